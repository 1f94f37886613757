import type { Ema } from '../optim/index.js';
import type { PreparedModel } from './prepare.js';
import type { SessionHooks } from './session.js';

export interface PreviewOptions {
    sampleEvery: number;
    ema?: Ema;
}

/** Sample grids while training (wired to the sampler once it exists). */
export function previewHooks(_prepared: PreparedModel, _out: string, _options: PreviewOptions): SessionHooks {
    return {};
}
