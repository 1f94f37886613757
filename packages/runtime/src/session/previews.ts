import * as path from 'node:path';
import { writeImageGrid } from '../image/index.js';
import type { Ema } from '../optim/index.js';
import type { TrainEvent } from '../train/events.js';
import type { Dataset, Feed } from '../data/index.js';
import { drawReconstructions, drawSamples } from './draw.js';
import type { PreparedModel } from './prepare.js';
import type { SessionHooks } from './session.js';

export interface PreviewOptions {
    sampleEvery: number;
    /** Samples in a preview grid. */
    n: number;
    ema?: Ema;
    /** Test images to reconstruct next to their inputs (latent-variable models). */
    test?: Dataset | Feed;
}

/**
 * Sample grids while training, written to `<out>/samples/step-N.png` and `<out>/samples/latest.png`
 * (and test images beside their reconstructions for latent-variable models),
 * drawn with the averaged weights when the model keeps an EMA. Diffusion previews use a few DDIM
 * steps so that they stay cheap.
 */
export function previewHooks(prepared: PreparedModel, out: string, o: PreviewOptions): SessionHooks {
    const [lo, hi] = prepared.model.data.find(d => d.name === prepared.observed.data)?.valueRange ?? [0, 1];
    const chain = prepared.derivation.chains.length > 0;
    return {
        sample: {
            every: o.sampleEvery,
            run: async (step: number): Promise<TrainEvent[]> => {
                const draw = () => drawSamples(prepared, { n: o.n, seed: 1, ...(chain ? { sampler: 'ddim' as const, steps: 20, eta: 0 } : {}) });
                const { images, columns } = o.ema ? await o.ema.withAveragedWeights(draw) : await draw();
                const name = `step-${String(step).padStart(9, '0')}`;
                const grid = { range: [lo, hi] as [number, number], ...(columns ? { columns } : {}) };
                const file = writeImageGrid(path.join(out, 'samples', `${name}.png`), images, grid);
                writeImageGrid(path.join(out, 'samples', 'latest.png'), images, grid);
                const events: TrainEvent[] = [{ event: 'sample', step, path: file, kind: 'samples' }];
                const pairs = o.test && !chain ? await drawReconstructions(prepared, o.test, 16) : undefined;
                if (pairs) {
                    const recon = writeImageGrid(path.join(out, 'samples', `${name}-reconstructions.png`), pairs, { range: [lo, hi], columns: 8 });
                    events.push({ event: 'sample', step, path: recon, kind: 'reconstructions' });
                }
                return events;
            },
        },
    };
}
