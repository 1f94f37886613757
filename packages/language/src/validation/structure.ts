import type { ModelIR } from '../ir/types.js';
import type { Finding, Report } from './finding.js';
import { checkEstimators } from './estimators.js';
import { checkGraph } from './graph.js';
import { checkOptions } from './options.js';
import { checkParameters } from './parameters.js';
import { checkRoles } from './roles.js';
import { checkShapes } from './shapes.js';
import { checkSizes } from './sizes.js';

/** Every structural check on the model IR, in a fixed order; the editor and the runtime share them. */
export const STRUCTURE_CHECKS: ReadonlyArray<(ir: ModelIR, report: Report) => void> = [
    checkRoles,
    checkGraph,
    checkShapes,
    checkSizes,
    checkParameters,
    checkEstimators,
    checkOptions,
];

/** Runs every structural check; the same finding reported twice (on the same range) is kept once. */
export function checkModel(ir: ModelIR): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const report: Report = finding => {
        const key = `${finding.code}@${JSON.stringify(finding.range)}:${finding.message}`;
        if (seen.has(key)) return;
        seen.add(key);
        findings.push(finding);
    };
    for (const check of STRUCTURE_CHECKS) check(ir, report);
    return findings;
}
