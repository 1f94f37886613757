/**
 * Samples of a latent-variable model as programs: from the prior (ancestral sampling through the
 * p factors, the observed variable drawn as its mean, e.g. the Bernoulli probabilities, as VAE
 * sample grids show it) and reconstructions (x → the mean of q(z | x) → the mean of p(x | z)).
 */
import { conditionsOf, isCondition, type FactorIR, type ModelIR } from '@gm/language';
import { distributionMean, sampleFrom } from '../compile/distributions.js';
import { CompileError, newScope, outputProgram } from '../compile/expressions.js';

export { distributionMean };
import type { Program } from '../compile/program.js';

/** Factors of one kind in an order where every factor's given variables come first. */
function ordered(model: ModelIR, kind: 'p' | 'q', known: Set<string>): FactorIR[] {
    const pending = model.factors.filter(f => f.kind === kind && !f.target.index && !known.has(f.target.name));
    const out: FactorIR[] = [];
    while (pending.length > 0) {
        const i = pending.findIndex(f => f.given.every(g => known.has(g.name)));
        if (i < 0) throw new CompileError(`cannot order the ${kind} factors: ${pending.map(f => f.id).join(', ')} wait on each other`);
        const [f] = pending.splice(i, 1);
        out.push(f);
        known.add(f.target.name);
    }
    return out;
}

function shapeOf(model: ModelIR, name: string): number[] {
    const v = model.variables.find(x => x.name === name);
    if (!v) throw new CompileError(`unknown variable ${name}`);
    return v.shape;
}

/**
 * Draws the latents from the prior and returns each observed variable's mean (outputs by variable
 * name). The model's conditions (labels, p(x | y)) are inputs: the class of each sample.
 */
export function compilePriorSampler(model: ModelIR): Program {
    const scope = newScope(model);
    const outputs: Record<string, number> = {};
    const inputs = given(
        scope,
        conditionsOf(model).map(v => v.name),
    );
    for (const f of ordered(model, 'p', new Set(inputs.map(i => i.variable)))) {
        const v = model.variables.find(x => x.name === f.target.name)!;
        scope.shapes.set(v.name, v.shape);
        if (v.role === 'latent') scope.variables.set(v.name, sampleFrom(f.distribution, v.shape, `prior/${v.name}`, scope));
        else scope.variables.set(v.name, distributionMean(f.distribution, scope));
        outputs[v.name] = scope.variables.get(v.name)!;
    }
    return outputProgram(scope, inputs, outputs, 0);
}

/** Variables given as inputs of a sampler, bound in its scope. */
function given(scope: ReturnType<typeof newScope>, names: string[]): Program['inputs'] {
    return names.map(name => {
        const shape = shapeOf(scope.model, name);
        scope.variables.set(name, scope.builder.emit({ op: 'data', variable: name }));
        scope.shapes.set(name, shape);
        return { variable: name, shape };
    });
}

/** x → the mean of every q(z | …) → the mean of p(x | z): reconstructions of observed examples. */
export function compileReconstruction(model: ModelIR): Program {
    const scope = newScope(model);
    const observed = model.variables.filter(v => v.role === 'observed' && v.data);
    for (const v of observed) {
        scope.variables.set(v.name, scope.builder.emit({ op: 'data', variable: v.name }));
        scope.shapes.set(v.name, v.shape);
    }
    const known = new Set(observed.map(v => v.name));
    for (const f of ordered(model, 'q', known)) {
        scope.variables.set(f.target.name, distributionMean(f.distribution, scope));
        scope.shapes.set(f.target.name, shapeOf(model, f.target.name));
    }
    const outputs: Record<string, number> = {};
    for (const v of observed.filter(x => !isCondition(model, x))) {
        const f = model.factors.find(x => x.kind === 'p' && x.target.name === v.name && !x.target.index);
        if (!f) throw new CompileError(`no p factor for ${v.name}`);
        outputs[v.name] = distributionMean(f.distribution, scope);
    }
    return outputProgram(
        scope,
        observed.map(v => ({ variable: v.name, shape: v.shape })),
        outputs,
    );
}

/**
 * The generative model with some latents given as inputs (`z` for a grid over a 2-D latent space):
 * the other latents are drawn from their p factors, each observed variable is shown as its mean.
 */
export function compileDecoder(model: ModelIR, known: string[]): Program {
    const scope = newScope(model);
    const inputs = given(scope, known);
    const outputs: Record<string, number> = {};
    for (const f of ordered(model, 'p', new Set(known))) {
        const v = model.variables.find(x => x.name === f.target.name)!;
        scope.shapes.set(v.name, v.shape);
        if (v.role === 'latent') scope.variables.set(v.name, sampleFrom(f.distribution, v.shape, `prior/${v.name}`, scope));
        else scope.variables.set(v.name, distributionMean(f.distribution, scope));
        if (v.role === 'observed') outputs[v.name] = scope.variables.get(v.name)!;
    }
    return outputProgram(scope, inputs, outputs);
}
