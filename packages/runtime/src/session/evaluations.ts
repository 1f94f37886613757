import { compileBound } from '../compile/compile.js';
import type { Dataset, Feed } from '../data/index.js';
import { evaluateBound, evaluateChainBound } from '../evaluate/index.js';
import type { Ema } from '../optim/index.js';
import type { PreparedModel } from './prepare.js';
import type { SessionHooks } from './session.js';

export interface EvaluationOptions {
    every: number;
    /** Test examples per evaluation (the first ones, so that every evaluation sees the same). */
    limit: number;
    /** The test set: a chain's images, or a latent-variable model's inputs (images and labels). */
    test: Dataset | Feed;
    seed: number;
    ema?: Ema;
}

/**
 * Periodic test-set evaluation while training (`--eval-every`): the bound `gm eval` reports, in nats
 * per example and bits/dim, term by term, on the first `limit` test examples, as an `eval` event.
 * A chain's bound is computed at every t; with an EMA the averaged weights are evaluated, as `gm eval` does.
 * The noise is the same at every evaluation (fixed seed and step), so the curve moves with the weights only.
 */
export function evaluationHook(prepared: PreparedModel, o: EvaluationOptions): NonNullable<SessionHooks['evaluate']> {
    const { model, derivation, compiled } = prepared;
    const options = { batch: model.eval.batch, limit: o.limit };
    const program = derivation.chains.length > 0 ? undefined : compileBound(model, derivation);
    const evaluate = () =>
        program ? evaluateBound(program, compiled.networks, o.test, o.seed, options) : evaluateChainBound(model, derivation, compiled.networks, o.test as Dataset, o.seed, options);
    return {
        every: o.every,
        run: async (step: number) => {
            const r = o.ema ? await o.ema.withAveragedWeights(evaluate) : await evaluate();
            return [{ event: 'eval', step, nats: r.nats, bitsPerDim: r.bitsPerDim, terms: r.terms }];
        },
    };
}
