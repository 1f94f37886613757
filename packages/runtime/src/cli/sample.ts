import * as path from 'node:path';
import { writeImageGrid, writeTrajectoryStrip } from '../image/index.js';
import { conditionsOf, type ModelIR } from '@gm/language';
import { classCount, drawLatentGrid, drawPerValue, drawReconstructions, drawSamples } from '../session/draw.js';
import { feedFor } from '../session/prepare.js';
import { loadTrained } from './checkpoint-args.js';
import { CHECKPOINT_FLAGS } from './common-flags.js';
import { parseCommandLine, UsageError, type CommandSpec } from './flags.js';

export const SAMPLE = {
    name: 'sample',
    summary: 'a PNG grid of samples from a trained model',
    description:
        'A PNG grid of samples from a trained model; for chains also the trajectory x_T → x_0, for latent-variable\nmodels reconstructions of test images and the decoder over a 2-D latent space.',
    positionals: { name: 'FILE', min: 1, max: 1, files: true },
    flags: {
        ...CHECKPOINT_FLAGS,
        n: { type: 'integer', value: 'N', min: 1, help: 'samples in the grid', defaultText: "the sample block's n" },
        out: { type: 'string', value: 'PNG', default: 'samples.png', help: 'the grid' },
        sampler: { type: 'choice', choices: ['ancestral', 'ddim'], help: 'how a chain is sampled', defaultText: "the sample block's sampler" },
        steps: { type: 'integer', value: 'N', min: 1, help: 'DDIM steps', defaultText: "the sample block's steps, else every t" },
        eta: { type: 'number', value: 'E', min: 0, max: 1, help: 'DDIM noise: 0 deterministic, 1 ancestral-like', defaultText: "the sample block's eta" },
        trajectory: { type: 'string', value: 'PNG', help: 'also write x_T → x_0 of 8 samples (chains)' },
        reconstructions: { type: 'string', value: 'PNG', help: 'also write test images and their reconstructions in alternate rows (latent-variable models)' },
        'latent-grid': { type: 'string', value: 'PNG', help: 'also write the decoder over a 20×20 grid of a 2-D latent space' },
        class: { type: 'integer', value: 'K', min: 0, help: 'n samples of class K (a model conditioned on labels)', defaultText: 'one row per class' },
        'per-value': { type: 'string', value: 'c', help: 'one row per value of the discrete latent c' },
    },
} as const satisfies CommandSpec;

/** `gm sample FILE [options]` (SAMPLE): a PNG grid of samples. */
export async function sample(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(SAMPLE, args);
    const file = positionals[0]!;
    const eta = values.eta;
    const chainOnly = (['sampler', 'steps', 'eta', 'trajectory'] as const).find(f => values[f] !== undefined);
    const { prepared, step, ema } = await loadTrained(file, values, p => {
        if (chainOnly && p.derivation.chains.length === 0) throw new UsageError(`--${chainOnly} applies to models with a chain; ${p.model.name} has none`);
    });
    const n = values.n ?? prepared.model.sample.n;
    const [lo, hi] = prepared.model.data.find(d => d.name === prepared.observed.data)?.valueRange ?? [0, 1];
    const steps = values.steps;
    const label = classOption(prepared.model, values.class);
    if (values['per-value']) {
        const side = Math.max(1, Math.round(Math.sqrt(n)));
        const { images, rows } = await drawPerValue(prepared, values['per-value'], side, values.seed);
        const out = path.resolve(values.out);
        writeImageGrid(out, images, { range: [lo, hi], columns: side });
        console.log(`${rows} rows of ${side} samples of ${prepared.model.name}, one row per value of ${values['per-value']} (step ${step}${ema ? ', EMA weights' : ''}) → ${out}`);
        return 0;
    }
    const drawn = await drawSamples(prepared, {
        n,
        seed: values.seed,
        ...(values.sampler ? { sampler: values.sampler } : {}),
        ...(steps ? { steps } : {}),
        ...(eta !== undefined ? { eta } : {}),
        ...(values.trajectory ? { frames: 10 } : {}),
        ...(label !== undefined ? { classes: new Array<number>(n).fill(label) } : {}),
    });
    const out = path.resolve(values.out);
    writeImageGrid(out, drawn.images, { range: [lo, hi], ...(drawn.columns ? { columns: drawn.columns } : {}) });
    const what = label !== undefined ? ` of class ${label}` : drawn.columns ? `, one row per class (${drawn.columns} each)` : '';
    console.log(`${drawn.images.shape[0]} samples of ${prepared.model.name}${what} (step ${step}${ema ? ', EMA weights' : ''}) → ${out}`);
    if (values.trajectory) {
        const strip = path.resolve(values.trajectory);
        const trajectory = drawn.trajectory!;
        writeTrajectoryStrip(
            strip,
            trajectory.map(f => ({ values: Array.from(f.values).slice(0, 8 * (f.values.length / n)), shape: [Math.min(8, n), ...f.shape.slice(1)] })),
            { range: [lo, hi] },
        );
        console.log(`trajectory x_T → x_0 of ${Math.min(8, n)} samples → ${strip}`);
    }
    if (values.reconstructions) {
        const test = await feedFor(prepared, 'test', 1);
        const pairs = await drawReconstructions(prepared, test, Math.min(n, 32));
        if (!pairs) throw new Error('--reconstructions needs a model with an approximate posterior q(z | x)');
        const recon = path.resolve(values.reconstructions);
        writeImageGrid(recon, pairs, { range: [lo, hi], columns: 8 });
        console.log(`test images (odd rows) and their reconstructions (even rows) → ${recon}`);
    }
    if (values['latent-grid']) {
        const side = 20;
        const grid = path.resolve(values['latent-grid']);
        writeImageGrid(grid, await drawLatentGrid(prepared, side, label ?? 0), { range: [lo, hi], columns: side });
        console.log(`the decoder over a ${side}×${side} grid of the 2-D latent space${conditionsOf(prepared.model).length ? ` for class ${label ?? 0}` : ''} → ${grid}`);
    }
    return 0;
}

/** `--class K`: a class of the model's label condition (0 ≤ K < classes). */
function classOption(model: ModelIR, k: number | undefined): number | undefined {
    if (k === undefined) return undefined;
    const [condition] = conditionsOf(model);
    if (!condition) throw new UsageError(`--class needs a model conditioned on labels (observed y : Int[10] from mnist.labels); ${model.name} has none`);
    const classes = classCount(model, condition);
    if (k >= classes) throw new UsageError(`--class is a class of '${condition.name}': an integer from 0 to ${classes - 1}`);
    return k;
}
