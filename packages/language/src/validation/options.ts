import type { ModelIR, SourceRange } from '../ir/types.js';
import type { Report } from './finding.js';
import { Code } from './codes.js';
import { KNOWN_DATASETS } from '../ir/datasets.js';

/** Datasets gm knows, and options that do not apply to this kind of model. */
export function checkOptions(ir: ModelIR, report: Report): void {
    checkDatasets(ir, report);
    checkDiffusionOptions(ir, report);
    checkSampleOptions(ir, report);
}

/**
 * A dataset is "mnist", "fashion-mnist" or a path of IDX files; a bare word that is neither is a
 * misspelt dataset name, not a path.
 */
export function checkDatasets(ir: ModelIR, report: Report): void {
    for (const data of ir.data) {
        if (data.dataset !== 'idx' || !data.path || /[/\\.]/.test(data.path)) continue;
        const close = KNOWN_DATASETS.find(k => k.replace('-', '') === data.path!.toLowerCase().replace(/[-_ ]/g, '') || similar(k, data.path!.toLowerCase()));
        report({
            severity: 'error',
            code: Code.UnknownDataset,
            range: data.range,
            message: `unknown dataset "${data.path}"${close ? ` (did you mean "${close}"?)` : ''}; use ${KNOWN_DATASETS.map(d => `"${d}"`).join(', ')} or the path of IDX files such as "./data/train-images-idx3-ubyte.gz"`,
        });
    }
}

/** Same letters up to one edit or a swap of two neighbours. */
function similar(a: string, b: string): boolean {
    if (Math.abs(a.length - b.length) > 1) return false;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    const rest = (x: string, y: string) => x === y;
    return (
        rest(a.slice(i + 1), b.slice(i + 1)) ||
        rest(a.slice(i + 1), b.slice(i)) ||
        rest(a.slice(i), b.slice(i + 1)) ||
        (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a.slice(i + 2), b.slice(i + 2)))
    );
}

function optionRange(block: { optionRanges: Array<{ name: string; range: SourceRange }> }, name: string): SourceRange | undefined {
    return block.optionRanges.find(o => o.name === name)?.range;
}

/**
 * Diffusion options need a chain; the VAE's importance weighting and β do not apply to one.
 * (ema applies to every model: the runtime samples with the averaged weights.)
 */
export function checkDiffusionOptions(ir: ModelIR, report: Report): void {
    const hasChain = ir.chains.length > 0;
    const t = ir.train;
    const say = (name: string, severity: 'error' | 'warning', message: string) => {
        const range = optionRange(t, name);
        if (range) report({ severity, code: Code.OptionNotApplicable, range, message });
    };
    if (!hasChain) {
        say(
            'objective',
            'error',
            `'objective' chooses a diffusion objective (simple, vlb, hybrid), but model '${ir.name}' has no chain; remove it: a model without a chain is trained on its ELBO`,
        );
        say('lambda', 'error', `'lambda' weighs L_vlb in the hybrid diffusion objective, but model '${ir.name}' has no chain; remove it`);
        say('t_sampling', 'error', `'t_sampling' chooses how a chain's step t is drawn, but model '${ir.name}' has no chain; remove it`);
        return;
    }
    if (t.k > 1)
        say(
            'k',
            'error',
            `k = ${t.k} asks for the importance-weighted bound, which needs samples of all latents from q; a chain's bound is taken one step t at a time, so remove k (or use objective: vlb)`,
        );
    say('beta', 'error', `'beta' weighs the KL term of a VAE; a chain's objective is chosen with objective: simple, vlb or hybrid`);
    say('kl_warmup', 'error', `'kl_warmup' anneals the KL weight of a VAE; it does not apply to a chain`);
    if (t.tSampling === 'importance' && (t.objective ?? 'vlb') === 'simple')
        say(
            't_sampling',
            'error',
            `t_sampling: importance draws the t of L_vlb by p_t ∝ sqrt(E[L_t²]) (Nichol & Dhariwal 2021, §3.3), but objective simple does not train L_vlb; use objective: vlb or hybrid`,
        );
    if (t.objective !== 'hybrid') say('lambda', 'warning', `'lambda' weighs L_vlb in the hybrid objective; it has no effect with objective: ${t.objective ?? 'simple'}`);
}

/** DDIM and its options apply to chains; steps cannot exceed T. */
export function checkSampleOptions(ir: ModelIR, report: Report): void {
    const s = ir.sample;
    const chain = ir.chains[0];
    const say = (name: string, severity: 'error' | 'warning', message: string) => {
        const range = optionRange(s, name);
        if (range) report({ severity, code: Code.OptionNotApplicable, range, message });
    };
    if (!chain) {
        say('sampler', 'error', `'sampler' chooses how a chain is sampled, but model '${ir.name}' has no chain; its samples are drawn ancestrally from p`);
        say('steps', 'error', `'steps' sets the number of DDIM steps, but model '${ir.name}' has no chain; remove it`);
        say('eta', 'error', `'eta' is DDIM's noise level, but model '${ir.name}' has no chain; remove it`);
        return;
    }
    if (s.sampler !== 'ddim') {
        say('steps', 'warning', `'steps' applies to the DDIM sampler; ancestral sampling takes all ${chain.upper - chain.lower} steps, so add sampler: ddim or remove it`);
        say('eta', 'warning', `'eta' applies to the DDIM sampler; add sampler: ddim or remove it`);
    } else if (s.steps !== undefined && s.steps > chain.upper - chain.lower) {
        say('steps', 'error', `steps = ${s.steps} is more than the chain's ${chain.upper - chain.lower} steps; DDIM takes a subsequence of them`);
    }
}
