/**
 * Importance sampling of t for L_vlb (Nichol & Dhariwal 2021, §3.3, their `LossSecondMomentResampler`):
 * L_vlb = E_{t ~ p_t}[L_t / p_t] with p_t ∝ sqrt(E[L_t²]), E over the last `history` values of L_t seen in
 * training; uniform until every t has `history` values; mixed with `uniformFloor` of the uniform distribution.
 * The history is part of the training state: a checkpoint saves it, so a resumed run draws the same t.
 */
import * as tf from '@tensorflow/tfjs';
import type { Program } from '../compile/program.js';
import type { TfjsExecutor } from '../compile/tfjs-executor.js';

type Proposal = NonNullable<Program['proposals']>[number];

/** What a checkpoint keeps of one proposal: the last values of L_t for each t (oldest first). */
export interface ImportanceState {
    history: number[][];
}

export class ImportanceTimesteps {
    /** The last values of L_t, oldest first, for t = from..to. */
    private history: number[][];

    constructor(readonly proposal: Pick<Proposal, 'from' | 'to' | 'history' | 'uniformFloor'>) {
        this.history = Array.from({ length: proposal.to - proposal.from + 1 }, () => []);
    }

    /** p_t for t = from..to, or undefined while some t has fewer than `history` values (draw uniformly). */
    probabilities(): Float64Array | undefined {
        const { history, uniformFloor } = this.proposal;
        if (this.history.some(h => h.length < history)) return undefined;
        const weights = Float64Array.from(this.history, h => Math.sqrt(h.reduce((s, v) => s + v * v, 0) / h.length));
        const total = weights.reduce((a, b) => a + b, 0);
        if (!(total > 0) || !Number.isFinite(total)) return undefined;
        const n = weights.length;
        return weights.map(w => (w / total) * (1 - uniformFloor) + uniformFloor / n);
    }

    /** Records L_t at each drawn t, keeping the last `history` values per t. */
    update(ts: ArrayLike<number>, values: ArrayLike<number>): void {
        for (let k = 0; k < ts.length; k++) {
            const h = this.history[Math.round(ts[k]!) - this.proposal.from]!;
            h.push(values[k]!);
            if (h.length > this.proposal.history) h.shift();
        }
    }

    state(): ImportanceState {
        return { history: this.history.map(h => [...h]) };
    }

    load(state: ImportanceState): void {
        if (state.history.length !== this.history.length)
            throw new Error(`the checkpoint's importance-sampling history has ${state.history.length} timesteps, the model ${this.history.length}`);
        this.history = state.history.map(h => [...h]);
    }
}

/** The importance samplers of a training program, wired to its executor; undefined when it draws every t uniformly. */
export interface ImportanceSampling {
    samplers: Map<string, ImportanceTimesteps>;
    /** After a step: record the step's (t, L_t) when it was applied, drop them otherwise. */
    afterStep(applied: boolean): Promise<void>;
    state(): Record<string, ImportanceState>;
    load(state: Record<string, ImportanceState>): void;
}

export function importanceSampling(executor: TfjsExecutor): ImportanceSampling | undefined {
    const proposals = executor.program.proposals ?? [];
    if (proposals.length === 0) return undefined;
    const samplers = new Map(proposals.map(p => [p.name, new ImportanceTimesteps(p)]));
    for (const [name, sampler] of samplers) executor.setProposal(name, () => sampler.probabilities());
    return {
        samplers,
        async afterStep(applied) {
            const records = executor.takeRecords();
            try {
                if (!applied) return;
                for (const r of records) {
                    const [t, value] = await Promise.all([r.t.data(), r.value.data()]);
                    samplers.get(r.name)!.update(t, value);
                }
            } finally {
                tf.dispose(records.flatMap(r => [r.t, r.value]));
            }
        },
        state: () => Object.fromEntries([...samplers].map(([name, s]) => [name, s.state()])),
        load(state) {
            for (const [name, s] of samplers) if (state[name]) s.load(state[name]);
        },
    };
}
