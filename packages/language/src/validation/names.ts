import { AstUtils, GrammarUtils, type AstNode, type Reference } from 'langium';
import * as ast from '../generated/ast.js';
import type { SourceRange } from '../ir/types.js';
import type { Finding } from './finding.js';
import { Code } from './codes.js';

/**
 * Names in the order they are declared. Declarations (constants, schedules, lets, variables, chains,
 * networks, data) are evaluated top to bottom, so they may only use names declared above them;
 * factors and blocks are equations and may use any name. Unknown names are reported by the linker
 * and duplicates by the validator's checkUniqueMemberNames.
 */

const ORDERED = new Set<string>([ast.Constant.$type, ast.Schedule.$type, ast.Sequence.$type, ast.DataDecl.$type, ast.VariableDecl.$type, ast.ChainDecl.$type, ast.NetDecl.$type]);

const rangeOfNode = (node: AstNode): SourceRange | undefined => {
    const r = node.$cstNode?.range;
    return r ? { start: { ...r.start }, end: { ...r.end } } : undefined;
};

/** The references written inside a node, with the AST node that holds each. */
function referencesIn(node: AstNode): Array<{ holder: AstNode; reference: Reference; range: SourceRange | undefined }> {
    const out: Array<{ holder: AstNode; reference: Reference; range: SourceRange | undefined }> = [];
    for (const n of AstUtils.streamAst(node)) {
        for (const ref of AstUtils.streamReferences(n)) {
            if (!('ref' in ref.reference)) continue; // gm has no multi-references
            const cst = ref.reference.$refNode;
            out.push({ holder: n, reference: ref.reference, range: cst ? { start: { ...cst.range.start }, end: { ...cst.range.end } } : rangeOfNode(n) });
        }
    }
    return out;
}

/** The member of the model that declares a node (an index declared in a range belongs to its owner). */
function memberOf(model: ast.Model, node: AstNode | undefined): AstNode | undefined {
    let n = node;
    while (n && n.$container !== model) n = n.$container;
    return n;
}

/** A declaration that uses a name declared further down. */
export function checkUsedBeforeDefinition(model: ast.Model): Finding[] {
    const findings: Finding[] = [];
    const position = new Map<AstNode, number>(model.members.map((m, i) => [m, i]));
    model.members.forEach((member, i) => {
        if (!ORDERED.has(member.$type)) return;
        for (const { reference, range } of referencesIn(member)) {
            const target = reference.ref;
            const declaredIn = memberOf(model, target);
            if (!target || !declaredIn || declaredIn === member) continue;
            const at = position.get(declaredIn);
            if (at === undefined || at <= i || !range) continue;
            const line = (declaredIn.$cstNode?.range.start.line ?? 0) + 1;
            findings.push({
                severity: 'error',
                code: Code.UsedBeforeDefinition,
                range,
                message: `'${reference.$refText}' is used before its declaration on line ${line}; move that declaration above this one`,
            });
        }
    });
    return findings;
}

const KIND: Record<string, string> = {
    [ast.Constant.$type]: 'constant',
    [ast.Schedule.$type]: 'schedule',
    [ast.Sequence.$type]: 'let',
    [ast.DataDecl.$type]: 'dataset',
    [ast.NetDecl.$type]: 'network',
};

/**
 * Constants, schedules, lets, datasets and networks that nothing uses. Not said of a model without
 * factors yet (while it is being written everything is unused), nor where an unknown or duplicate
 * name may be the use that was meant.
 */
export function checkUnused(model: ast.Model): Finding[] {
    const used = new Set<AstNode>();
    const references = referencesIn(model);
    if (!model.members.some(ast.isFactor) || references.some(r => !r.reference.ref)) return [];
    for (const { reference } of references) if (reference.ref) used.add(reference.ref);
    const count = new Map<string, number>();
    for (const m of model.members) if ('name' in m && typeof m.name === 'string') count.set(m.name, (count.get(m.name) ?? 0) + 1);
    const findings: Finding[] = [];
    for (const member of model.members) {
        const kind = KIND[member.$type];
        const name = (member as ast.Constant).name;
        if (!kind || used.has(member) || (count.get(name) ?? 0) > 1) continue;
        const leaf = findNameRange(member);
        findings.push({
            severity: 'warning',
            code: Code.Unused,
            range: leaf ?? rangeOfNode(member)!,
            message: `${kind} '${name}' is never used; remove it or use it`,
        });
    }
    return findings;
}

function findNameRange(member: AstNode): SourceRange | undefined {
    const leaf = GrammarUtils.findNodeForProperty(member.$cstNode, 'name');
    return leaf ? { start: { ...leaf.range.start }, end: { ...leaf.range.end } } : rangeOfNode(member);
}
