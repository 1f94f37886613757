/**
 * `gm export FILE --target torch --out DIR`: a standalone Python package generated from the same
 * programs as the TensorFlow.js target runs (the training loss, the whole bound, the samplers), with
 * the networks as nn.Modules of the same parameter names and initial weights, the dataset, and the
 * runtime support from `python/gm_torch/` copied beside them. `python DIR/run.py train` trains it.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelIR, VariableIR } from '@gm/language';
import type { Derivation } from '@gm/language/derivation';
import { assetLocations } from '../assets.js';
import { sourceHash } from '../checkpoint/index.js';
import { compileBound } from '../compile/compile.js';
import type { Program } from '../compile/program.js';
import { readSplits } from '../data/index.js';
import { compilePriorDraw, compilePriorSampler, compileReconstruction, compileReverseStep } from '../sample/index.js';
import { classCount } from '../session/draw.js';
import { loadChecked } from '../session/prepare.js';
import { networksModule } from './python-networks.js';
import { programModule } from './python-program.js';

/** The Python runtime support, copied as it is. */
export const PYTHON_SUPPORT = fileURLToPath(new URL('../../src/torch/python/', import.meta.url));

export interface ExportOptions {
    model?: string;
    /** Write the dataset (default); a test that feeds its own batches leaves it out. */
    data?: boolean;
}

export interface Exported {
    dir: string;
    model: ModelIR;
    derivation: Derivation;
    /** The training program (the terms with a weight), the same one `gm train` compiles. */
    program: Program;
}

function termDocs(derivation: Derivation): Map<string, string[]> {
    return new Map(derivation.terms.map(t => [t.id, [t.text, ...t.detail.map(d => d.text)]]));
}

/** Everything the Python side reads but does not compute: the model's options, its chain's coefficients. */
/** The observed variable the images go to, and the label variables (`from D.labels`) among a program's inputs. */
function inputsOf(model: ModelIR, program: Program): { observed: VariableIR; labels: VariableIR[] } {
    const variables = program.inputs.map(i => model.variables.find(v => v.name === i.variable)!);
    return { observed: variables.find(v => !v.labels)!, labels: variables.filter(v => v.labels) };
}

function config(file: string, source: string, model: ModelIR, derivation: Derivation, program: Program): Record<string, unknown> {
    const { observed, labels } = inputsOf(model, program);
    const data = model.data.find(d => d.name === observed.data);
    const derived = derivation.chains[0];
    const chain = derived && model.chains.find(c => c.name === derived.chain);
    const { optionRanges: _t, range: _r, ...train } = model.train;
    const { optionRanges: _s, range: _q, ...sample } = model.sample;
    return {
        model: model.name,
        file: path.resolve(file),
        sourceHash: sourceHash(source),
        observed: { name: observed.name, shape: observed.shape },
        // Label variables get the same examples' classes, one-hot over `classes` or as the index (src/data/feed.ts).
        labels: labels.map(v => ({ name: v.name, encoding: v.labels!.encoding, classes: classCount(model, v) })),
        data: { valueRange: data?.valueRange ?? [0, 1] },
        train,
        sample,
        chain: chain
            ? {
                  name: chain.name,
                  index: chain.index,
                  lower: chain.lower,
                  upper: chain.upper,
                  shape: chain.shape,
                  coefficients: derived.coefficients,
                  varianceForm: derived.varianceForm?.form ?? null,
              }
            : null,
    };
}

/** The observed variable's dataset, both splits as stored, with what `gm_torch/data.py` needs to batch it as gm does. */
async function writeData(file: string, model: ModelIR, program: Program, dir: string): Promise<void> {
    const { observed, labels } = inputsOf(model, program);
    const data = model.data.find(d => d.name === observed.data);
    if (!data) throw new Error(`observed variable ${observed.name} is not bound to a dataset ('from NAME')`);
    const splits = await readSplits(data, { seed: model.train.seed, baseDir: path.dirname(path.resolve(file)) });
    mkdirSync(dir, { recursive: true });
    const meta: Record<string, unknown> = { name: data.name, valueRange: data.valueRange, binarize: data.binarize, limit: data.limit ?? null, splits: {} };
    for (const split of ['train', 'test'] as const) {
        const raw = splits[split];
        const bytes = raw.pixels instanceof Uint8Array ? raw.pixels : new Uint8Array(raw.pixels.buffer, raw.pixels.byteOffset, raw.pixels.byteLength);
        writeFileSync(path.join(dir, `${split}.bin`), bytes);
        if (labels.length > 0) {
            if (!raw.labels) throw new Error(`'${labels[0]!.name}' reads labels, but ${raw.source} has none`);
            writeFileSync(path.join(dir, `${split}.labels`), raw.labels);
        }
        (meta['splits'] as Record<string, unknown>)[split] = {
            file: `${split}.bin`,
            source: raw.source,
            count: raw.count,
            imageShape: raw.imageShape,
            dtype: raw.pixels instanceof Uint8Array ? 'uint8' : 'float32',
            scale: raw.scale,
            labels: labels.length > 0 ? `${split}.labels` : null,
        };
    }
    writeFileSync(path.join(dir, 'dataset.json'), JSON.stringify(meta, null, 1));
}

function copySupport(dir: string): void {
    mkdirSync(path.join(dir, 'gm_torch'), { recursive: true });
    const support = assetLocations().torchDir ?? PYTHON_SUPPORT;
    copyFileSync(path.join(support, 'run.py'), path.join(dir, 'run.py'));
    for (const f of readdirSync(path.join(support, 'gm_torch'))) {
        if (f.endsWith('.py')) copyFileSync(path.join(support, 'gm_torch', f), path.join(dir, 'gm_torch', f));
    }
}

const readme = (model: ModelIR, file: string) => `# ${model.name}, exported from ${path.basename(file)} for PyTorch

Generated by \`gm export ${path.basename(file)} --target torch\` from the same programs as gm's
TensorFlow.js runtime trains. Read it, run it, change it (exporting again overwrites it).

- \`model/bound.py\`: every term of the derived bound, one function each (its docstring is the term
  as the editor's hover shows it); \`model/loss.py\`: the terms the training loss weights.
- \`model/networks.py\`: the networks, with gm's parameter names and initial weights.
- \`model/prior.py\` (and \`model/reverse.py\`, \`model/prior_draw.py\` for a chain): the samplers.
- \`gm_torch/\`: the runtime support (data, noise, training loop, checkpoints, sampling).

    python run.py train --out runs --json             # one process (CUDA when there is one)
    torchrun --nproc_per_node=8 run.py train --out runs   # DistributedDataParallel, one GPU each
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29500 run.py train --out runs
    # (PyTorch 1.13 under Python 3.11: add --redirects 2 --tee 2 to torchrun; its default fails to parse there)
    python run.py train --out runs --resume           # continue from runs/latest
    python run.py sample --checkpoint runs --out samples.png
    python run.py convert runs weights.pt             # gm checkpoint -> PyTorch state dict (and back)

Checkpoints are gm's format: \`gm sample ${path.basename(file)} --checkpoint runs\` draws from a model trained here.
`;

/** Writes the package for `file`'s model into `where` (created; generated files are replaced), or the folder `where(model)` names. */
export async function exportTorch(file: string, where: string | ((model: ModelIR) => string), options: ExportOptions = {}): Promise<Exported> {
    const { source, model, derivation } = await loadChecked(file, options.model);
    const dir = typeof where === 'string' ? where : where(model);
    const program = compileBound(model, derivation, { terms: 'loss' });
    const bound = compileBound(model, derivation, { terms: 'all' });
    const docs = termDocs(derivation);
    const pkg = path.join(dir, 'model');
    mkdirSync(pkg, { recursive: true });
    const title = (what: string) => [`${what} of model ${model.name} (${path.basename(file)}), generated by \`gm export --target torch\` from its program.`];
    const modules: Record<string, string> = {
        'loss.py': programModule(program, { title: title('The training loss'), networks: model.networks, termDocs: docs }),
        'bound.py': programModule(bound, { title: title('Every term of the derived bound'), networks: model.networks, termDocs: docs }),
        'networks.py': networksModule(model.name, model.networks, program),
    };
    const samplers: string[] = [];
    if (derivation.chains.length > 0) {
        modules['reverse.py'] = programModule(compileReverseStep(model, derivation).program, { title: title('The reverse step μ_θ(x_t, t), σ_t²'), networks: model.networks });
        modules['prior_draw.py'] = programModule(compilePriorDraw(model, derivation), { title: title('A draw of x_T from p(x_T)'), networks: model.networks });
        samplers.push('reverse', 'prior_draw');
    } else {
        modules['prior.py'] = programModule(compilePriorSampler(model), { title: title('Ancestral sampling of p'), networks: model.networks });
        modules['reconstruct.py'] = programModule(compileReconstruction(model), { title: title('x → the mean of q → the mean of p: reconstructions'), networks: model.networks });
        samplers.push('prior', 'reconstruct');
    }
    modules['__init__.py'] = [
        `"""Model ${model.name} from ${path.basename(file)}: its networks, its bound and its samplers, with CONFIG (config.json)."""`,
        'import json',
        'import os',
        '',
        `from . import bound, loss, networks, ${samplers.join(', ')}  # noqa: F401`,
        '',
        "with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'config.json')) as _f:",
        '    CONFIG = json.load(_f)',
        '',
    ].join('\n');
    for (const [name, text] of Object.entries(modules)) writeFileSync(path.join(pkg, name), text);
    writeFileSync(path.join(pkg, 'config.json'), JSON.stringify(config(file, source, model, derivation, program), null, 1));
    copySupport(dir);
    writeFileSync(path.join(dir, 'README.md'), readme(model, file));
    if (options.data !== false) await writeData(file, model, program, path.join(dir, 'data'));
    return { dir: path.resolve(dir), model, derivation, program };
}
