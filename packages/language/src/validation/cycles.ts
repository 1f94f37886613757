import type { FactorIR } from '../ir/types.js';

/**
 * Depth-first search for cycles among factors, each found through `given`: `byTarget` maps a
 * variable to the factor that defines it. `onCycle` is called at most once per factor, with the
 * names along the cycle in search order, closed (`[a, b, a]`). p's acyclicity and q's sampling
 * order are both this search; they differ only in which factors they pass and how they report.
 */
export function findCycles(byTarget: ReadonlyMap<string, FactorIR>, onCycle: (factor: FactorIR, cycle: string[]) => void): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const reported = new Set<FactorIR>();
    const visit = (name: string, path: string[]): void => {
        const factor = byTarget.get(name);
        if (!factor || state.get(name) === 'done') return;
        if (state.get(name) === 'visiting') {
            if (!reported.has(factor)) {
                reported.add(factor);
                onCycle(factor, [...path.slice(path.indexOf(name)), name]);
            }
            return;
        }
        state.set(name, 'visiting');
        for (const g of factor.given) visit(g.name, [...path, name]);
        state.set(name, 'done');
    };
    for (const name of byTarget.keys()) visit(name, []);
}
