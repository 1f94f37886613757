import * as path from 'node:path';
import { writeImageGrid, writeTrajectoryStrip } from '../image/index.js';
import { drawLatentGrid, drawReconstructions, drawSamples } from '../session/draw.js';
import { datasetFor } from '../session/prepare.js';
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
    const drawn = await drawSamples(prepared, {
        n,
        seed: values.seed,
        ...(values.sampler ? { sampler: values.sampler } : {}),
        ...(steps ? { steps } : {}),
        ...(eta !== undefined ? { eta } : {}),
        ...(values.trajectory ? { frames: 10 } : {}),
    });
    const out = path.resolve(values.out);
    writeImageGrid(out, drawn.images, { range: [lo, hi] });
    console.log(`${n} samples of ${prepared.model.name} (step ${step}${ema ? ', EMA weights' : ''}) → ${out}`);
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
        const test = await datasetFor(prepared, 'test', 1);
        const pairs = await drawReconstructions(prepared, test, Math.min(n, 32));
        if (!pairs) throw new Error('--reconstructions needs a model with an approximate posterior q(z | x)');
        const recon = path.resolve(values.reconstructions);
        writeImageGrid(recon, pairs, { range: [lo, hi], columns: 8 });
        console.log(`test images (odd rows) and their reconstructions (even rows) → ${recon}`);
    }
    if (values['latent-grid']) {
        const side = 20;
        const grid = path.resolve(values['latent-grid']);
        writeImageGrid(grid, await drawLatentGrid(prepared, side), { range: [lo, hi], columns: side });
        console.log(`the decoder over a ${side}×${side} grid of the 2-D latent space → ${grid}`);
    }
    return 0;
}
