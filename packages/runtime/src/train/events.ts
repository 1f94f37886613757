/**
 * The events `gm train --json` prints, one JSON object per line. The VS Code extension reads them
 * through the package export `@gm/runtime/events`; keep this file free of imports so that entry
 * stays types only.
 */

export interface StartEvent {
    event: 'start';
    model: string;
    file: string;
    backend: string;
    /** Why this backend was chosen (`auto`) or that it was asked for. */
    backendReason: string;
    parameters: number;
    /** Output folder of the run: checkpoints and sample grids. */
    out: string;
    totalSteps: number;
    resumedFrom?: number;
    /**
     * Estimated training memory in bytes (parameters, optimizer state and EMA, activations and
     * gradients of a batch, `perExample` of it per example), and what the machine can give
     * (`available`, with `limit` saying what bounds it; absent on GPUs, whose memory Node cannot see).
     */
    memory?: { parameters: number; optimizer: number; activations: number; perExample: number; total: number; available?: number; limit?: string };
}

export interface ProgressEvent {
    event: 'progress';
    step: number;
    epoch: number;
    /** The loss that is minimized (−objective), averaged over the batch. */
    loss: number;
    /** Each term of the bound by its name, as in the derivation (e.g. `reconstruction`, `kl(z)`). */
    terms: Record<string, number>;
    imagesPerSecond: number;
    etaSeconds: number;
}

export interface EvalEvent {
    event: 'eval';
    step: number;
    /** Test-set bound in nats per example (negative ELBO) and per term. */
    nats: number;
    bitsPerDim: number;
    terms: Record<string, number>;
}

export interface SampleEvent {
    event: 'sample';
    step: number;
    /** Absolute path of the PNG grid. */
    path: string;
    kind: 'samples' | 'reconstructions' | 'trajectory';
}

export interface CheckpointEvent {
    event: 'checkpoint';
    step: number;
    path: string;
    /** The loss of the step just saved. */
    loss?: number;
}

export interface DoneEvent {
    event: 'done';
    step: number;
    seconds: number;
    reason: 'finished' | 'interrupted';
}

export interface ErrorEvent {
    event: 'error';
    message: string;
    step?: number;
    /** The term that went non-finite, when that is the error. */
    term?: string;
}

export type TrainEvent = StartEvent | ProgressEvent | EvalEvent | SampleEvent | CheckpointEvent | DoneEvent | ErrorEvent;
