import * as path from 'node:path';
import { writeImageGrid, writeTrajectoryStrip } from '../image/index.js';
import { conditionsOf, type ModelIR } from '@gm/language';
import { classCount, drawLatentGrid, drawPerValue, drawReconstructions, drawSamples } from '../session/draw.js';
import { feedFor } from '../session/prepare.js';
import { UsageError } from './check.js';
import { loadTrained, parseCheckpointArgs, positiveInteger, stringOptions } from './checkpoint-args.js';

/**
 * `gm sample FILE [--checkpoint DIR] [--n 64] [--out grid.png] [--sampler ancestral|ddim] [--steps N]
 * [--eta E] [--trajectory strip.png] [--reconstructions recon.png] [--latent-grid grid.png] [--class K] [--per-value c]`: a PNG grid
 * of samples. A model conditioned on labels draws one row per class, or n samples of class K with --class K; with --per-value c, one row per value of the discrete latent c.
 */
export async function sample(args: string[]): Promise<number> {
    const { values, file } = parseCheckpointArgs(
        'sample',
        args,
        stringOptions('n', 'out', 'sampler', 'steps', 'eta', 'trajectory', 'reconstructions', 'latent-grid', 'class', 'per-value'),
    );
    if (values.sampler && values.sampler !== 'ancestral' && values.sampler !== 'ddim') throw new UsageError('--sampler is ancestral or ddim');
    const eta = values.eta === undefined ? undefined : Number(values.eta);
    if (eta !== undefined && !(eta >= 0 && eta <= 1)) throw new UsageError('--eta is a number in [0, 1]');
    const { prepared, step, ema } = await loadTrained(file, values);
    const n = positiveInteger(values.n, '--n') ?? prepared.model.sample.n;
    const [lo, hi] = prepared.model.data.find(d => d.name === prepared.observed.data)?.valueRange ?? [0, 1];
    const steps = positiveInteger(values.steps, '--steps');
    const label = classOption(prepared.model, values.class);
    if (values['per-value']) {
        const side = Math.max(1, Math.round(Math.sqrt(n)));
        const { images, rows } = await drawPerValue(prepared, values['per-value'], side, positiveInteger(values.seed, '--seed') ?? 1);
        const out = path.resolve(values.out ?? 'samples.png');
        writeImageGrid(out, images, { range: [lo, hi], columns: side });
        console.log(`${rows} rows of ${side} samples of ${prepared.model.name}, one row per value of ${values['per-value']} (step ${step}${ema ? ', EMA weights' : ''}) → ${out}`);
        return 0;
    }
    const drawn = await drawSamples(prepared, {
        n,
        seed: positiveInteger(values.seed, '--seed') ?? 1,
        ...(values.sampler ? { sampler: values.sampler as 'ancestral' | 'ddim' } : {}),
        ...(steps ? { steps } : {}),
        ...(eta !== undefined ? { eta } : {}),
        ...(values.trajectory ? { frames: 10 } : {}),
        ...(label !== undefined ? { classes: new Array<number>(n).fill(label) } : {}),
    });
    const out = path.resolve(values.out ?? 'samples.png');
    writeImageGrid(out, drawn.images, { range: [lo, hi], ...(drawn.columns ? { columns: drawn.columns } : {}) });
    const what = label !== undefined ? ` of class ${label}` : drawn.columns ? `, one row per class (${drawn.columns} each)` : '';
    console.log(`${drawn.images.shape[0]} samples of ${prepared.model.name}${what} (step ${step}${ema ? ', EMA weights' : ''}) → ${out}`);
    if (values.trajectory) {
        if (!drawn.trajectory) throw new Error('--trajectory needs a model with a chain');
        const strip = path.resolve(values.trajectory);
        writeTrajectoryStrip(
            strip,
            drawn.trajectory.map(f => ({ values: Array.from(f.values).slice(0, 8 * (f.values.length / n)), shape: [Math.min(8, n), ...f.shape.slice(1)] })),
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
function classOption(model: ModelIR, value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const [condition] = conditionsOf(model);
    if (!condition) throw new UsageError(`--class needs a model conditioned on labels (observed y : Int[10] from mnist.labels); ${model.name} has none`);
    const classes = classCount(model, condition);
    const k = Number(value);
    if (!Number.isInteger(k) || k < 0 || k >= classes) throw new UsageError(`--class is a class of '${condition.name}': an integer from 0 to ${classes - 1}`);
    return k;
}
