import { conditionsOf, describeData } from '@gm/language';
import { compileBound } from '../compile/compile.js';
import { evaluateBound, evaluateChainBound, estimateNegativeLogLikelihood } from '../evaluate/index.js';
import { datasetFor, feedFor } from '../session/prepare.js';
import { loadTrained } from './checkpoint-args.js';
import { CHECKPOINT_FLAGS } from './common-flags.js';
import { parseCommandLine, UsageError, type CommandSpec } from './flags.js';

export const EVAL = {
    name: 'eval',
    summary: 'the test-set bound term by term, bits/dim, an importance-sampled log p(x)',
    description:
        'The test-set bound in nats per example, term by term, and bits/dim; an importance-sampled log p(x)\n' +
        'with K samples for latent-variable models; for chains every term of the bound with the per-t\n' +
        "breakdown, and L_0 with Ho et al.'s discretized decoder for image data.",
    positionals: { name: 'FILE', min: 1, max: 1, files: true },
    flags: {
        ...CHECKPOINT_FLAGS,
        iw: { type: 'integer', value: 'K', min: 0, help: 'importance samples for log p(x), 0: none (latent-variable models)', defaultText: "the eval block's iw" },
        batch: { type: 'integer', value: 'B', min: 1, help: 'examples per batch', defaultText: "the eval block's batch" },
        limit: { type: 'integer', value: 'N', min: 1, help: 'evaluate the first N test examples', defaultText: 'the whole test set' },
        decoder: { type: 'choice', choices: ['discretized', 'continuous'], help: 'how L_0 scores image data (chains)', defaultText: 'discretized for image data' },
        json: { type: 'boolean', help: 'print one JSON object instead of text' },
    },
} as const satisfies CommandSpec;

const fmt = (v: number) => v.toFixed(3);

/** `gm eval FILE [options]` (EVAL). */
export async function evaluate(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(EVAL, args);
    const file = positionals[0]!;
    const { prepared, step, ema } = await loadTrained(file, values, p => {
        const chain = p.derivation.chains.length > 0;
        if (chain && values.iw !== undefined) throw new UsageError("--iw applies to latent-variable models; a chain's bound is computed at every t");
        if (!chain && values.decoder !== undefined) throw new UsageError(`--decoder applies to models with a chain; ${p.model.name} has none`);
    });
    const { model, derivation, compiled } = prepared;
    const chain = derivation.chains.length > 0;
    const seed = values.seed;
    const test = await datasetFor(prepared, 'test', seed);
    const batch = values.batch ?? model.eval.batch;
    const limit = values.limit;
    const options = { batch, ...(limit ? { limit } : {}) };
    const report: Record<string, unknown> = { model: model.name, step, ema, examples: Math.min(test.size, limit ?? test.size) };
    const data = model.data.find(d => d.name === prepared.observed.data);
    if (data) report['data'] = describeData({ ...data, split: 'test' });
    const lines: string[] = [`${model.name} at step ${step}${ema ? ' (EMA weights)' : ''} on ${report['examples']} test examples of ${test.source}`];
    if (data) lines.push(`data: ${report['data']}`);
    if (chain) {
        const decoder = values.decoder;
        const r = await evaluateChainBound(model, derivation, compiled.networks, test, seed, { ...options, ...(decoder ? { decoder } : {}) });
        Object.assign(report, { nats: r.nats, bitsPerDim: r.bitsPerDim, terms: r.terms, perT: r.perT, decoder: r.decoder });
        lines.push(`−ELBO = ${fmt(r.nats)} nats per example = ${fmt(r.bitsPerDim)} bits/dim (every t computed)`);
        lines.push(r.decoder === 'discretized' ? '  L_0 with the discretized decoder of Ho et al. (eq. 13)' : '  L_0 with the continuous density');
        for (const [id, v] of Object.entries(r.terms)) lines.push(`  ${id.padEnd(12)} ${fmt(v)} nats`);
        const at = (t: number) => r.perT.values[t - r.perT.from];
        const shown = [r.perT.from, r.perT.from + 1, Math.round((r.perT.from + r.perT.from + r.perT.values.length) / 2), r.perT.from + r.perT.values.length - 1];
        lines.push(`  per t: ${shown.map(t => `L_${t - 1} ${fmt(at(t) ?? NaN)}`).join(', ')}`);
    } else {
        const feed = await feedFor(prepared, 'test', seed);
        const r = await evaluateBound(compileBound(model, derivation), compiled.networks, feed, seed, options);
        Object.assign(report, { nats: r.nats, bitsPerDim: r.bitsPerDim, terms: r.terms });
        lines.push(`−ELBO = ${fmt(r.nats)} nats per example = ${fmt(r.bitsPerDim)} bits/dim`);
        for (const t of derivation.terms) if (r.terms[t.id] !== undefined) lines.push(`  ${t.id.padEnd(12)} ${fmt(r.terms[t.id]!)} nats   ${t.text}`);
        const k = values.iw ?? model.eval.iw;
        if (k === 0) {
            console.log(values.json ? JSON.stringify(report) : lines.join('\n'));
            return 0;
        }
        const iw = await estimateNegativeLogLikelihood(model, derivation, compiled.networks, feed, seed, k, {
            batch: Math.max(1, Math.floor(batch / Math.max(1, Math.ceil(k / 50)))),
            ...(limit ? { limit } : {}),
        });
        report['logLikelihood'] = { k, nats: -iw.nats, bitsPerDim: iw.bitsPerDim };
        const given = conditionsOf(model).map(v => v.name);
        lines.push(`−log p(x${given.length ? ` | ${given.join(', ')}` : ''}) ≈ ${fmt(iw.nats)} nats per example (importance sampling, k = ${k})`);
    }
    console.log(values.json ? JSON.stringify(report) : lines.join('\n'));
    return 0;
}
