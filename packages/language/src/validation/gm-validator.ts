import type { AstNode, ValidationAcceptor, ValidationChecks } from 'langium';
import { AstUtils, URI } from 'langium';
import * as ast from '../generated/ast.js';
import type { GmServices } from '../gm-module.js';
import { LIBRARY_URI } from '../library/library.js';
import type { GmModelCache } from '../ir/model-cache.js';
import type { SourceRange } from '../ir/types.js';
import type { Finding } from './finding.js';
import { checkUnused, checkUsedBeforeDefinition } from './names.js';
import { checkModel } from './structure.js';
import { Code, type DiagnosticCode } from './codes.js';
import { ModelDiagnosticsMemo } from './model-diagnostics-memo.js';

/** Registers gm's checks: one table, one small method per concern. */
export function registerValidationChecks(services: GmServices): void {
    const registry = services.validation.ValidationRegistry;
    const validator = services.validation.GmValidator;
    const checks: ValidationChecks<ast.GmAstType> = {
        Document: [validator.checkUniqueModelNames, validator.checkBuiltinsOnlyInLibrary],
        Model: [validator.checkModel],
    };
    registry.register(checks, validator);
}

/** Names a model declares, by the member that declares them. */
function declaredNames(model: ast.Model): Array<{ name: string; node: AstNode }> {
    const names: Array<{ name: string; node: AstNode }> = [];
    for (const member of model.members) {
        if ('name' in member && typeof member.name === 'string') names.push({ name: member.name, node: member });
    }
    return names;
}

export class GmValidator {
    private readonly models: GmModelCache;
    readonly memo = new ModelDiagnosticsMemo();

    constructor(services: GmServices) {
        this.models = services.ir.ModelCache;
    }

    /** Every check of one model, replayed when an identical model at the same place was checked before. */
    checkModel(model: ast.Model, accept: ValidationAcceptor): void {
        this.memo.run(model, accept, record => {
            this.checkUniqueMemberNames(model, record);
            this.checkLowering(model, record);
            this.checkNames(model, record);
            this.checkStructure(model, record);
        });
    }

    checkUniqueModelNames(document: ast.Document, accept: ValidationAcceptor): void {
        const seen = new Set<string>();
        for (const model of document.models) {
            if (seen.has(model.name)) accept('error', `duplicate model '${model.name}'`, { node: model, property: 'name', code: Code.DuplicateModel });
            seen.add(model.name);
        }
    }

    checkBuiltinsOnlyInLibrary(document: ast.Document, accept: ValidationAcceptor): void {
        if (AstUtils.getDocument(document).uri.toString() === URI.parse(LIBRARY_URI).toString()) return;
        for (const builtin of document.builtins) {
            accept('error', "'builtin' declarations belong to gm's library; declare a model instead", { node: builtin, keyword: 'builtin', code: Code.BuiltinOutsideLibrary });
        }
    }

    checkUniqueMemberNames(model: ast.Model, accept: ValidationAcceptor): void {
        const first = new Map<string, AstNode>();
        for (const { name, node } of declaredNames(model)) {
            const earlier = first.get(name);
            if (earlier) {
                const line = (earlier.$cstNode?.range.start.line ?? 0) + 1;
                accept('error', `'${name}' is already declared on line ${line}`, { node, property: 'name', code: Code.DuplicateName });
            } else {
                first.set(name, node);
            }
        }
    }

    /** What lowering to the IR could not make sense of. */
    checkLowering(model: ast.Model, accept: ValidationAcceptor): void {
        // Syntax errors first: what lowering says of a model with holes would only repeat them.
        if (hasSyntaxErrors(model)) return;
        // A name used before its declaration is reported once, not again as the values it left undefined.
        const early = checkUsedBeforeDefinition(model).map(f => f.range);
        const problems = this.models.get(model).problems;
        const emptyRange = problems.some(p => p.code === Code.EmptyRange);
        for (const problem of problems) {
            // An empty schedule range leaves every let computed from it empty: say it once.
            if (emptyRange && problem.code === Code.LetWithoutRange) continue;
            if (early.some(r => contains(problem.range, r)) || (early.length > 0 && UNDEFINED_VALUE.has(problem.code))) continue;
            accept(problem.severity, problem.message, { node: model, range: problem.range, code: problem.code });
        }
    }

    /** Names used before their declaration, and declarations nothing uses. */
    checkNames(model: ast.Model, accept: ValidationAcceptor): void {
        if (hasSyntaxErrors(model)) return;
        for (const finding of [...checkUsedBeforeDefinition(model), ...checkUnused(model)]) acceptFinding(model, finding, accept);
    }

    /** The structural checks on the model IR (roles, graph, shapes, parameters, estimators, options). */
    checkStructure(model: ast.Model, accept: ValidationAcceptor): void {
        if (hasSyntaxErrors(model)) return;
        const result = this.models.get(model);
        // Declarations are evaluated in order: with a name used too early, sizes and values are undefined.
        if (result.incomplete || checkUsedBeforeDefinition(model).length > 0) return;
        // What follows from an unknown name is not reported: the linker has said what is wrong.
        const unresolved = unresolvedRanges(model);
        const broken = model.members.map(m => rangeOfMember(m)).filter(r => r && unresolved.some(u => contains(r, u))) as SourceRange[];
        for (const finding of checkModel(result.model)) {
            if (unresolved.some(r => contains(finding.range, r)) || broken.some(r => contains(r, finding.range))) continue;
            acceptFinding(model, finding, accept);
        }
    }
}

/** Lowering problems that follow from a value left undefined by a name used before its declaration. */
const UNDEFINED_VALUE = new Set<DiagnosticCode>([Code.LetWithoutRange, Code.SequenceUndefined, Code.SequenceNotFinite, Code.NotConstant, Code.EmptyRange]);

const rangeOfMember = (member: AstNode): SourceRange | undefined => member.$cstNode?.range;

function hasSyntaxErrors(model: ast.Model): boolean {
    const { parserErrors, lexerErrors } = AstUtils.getDocument(model).parseResult;
    return parserErrors.length > 0 || lexerErrors.length > 0;
}

function acceptFinding(model: ast.Model, finding: Finding, accept: ValidationAcceptor): void {
    accept(finding.severity, finding.message, {
        node: model,
        range: finding.range,
        code: finding.code,
        ...(finding.data ? { data: { code: finding.code, ...finding.data } } : {}),
    });
}

/** Where the model uses a name that does not resolve. */
function unresolvedRanges(model: ast.Model): SourceRange[] {
    const ranges: SourceRange[] = [];
    for (const node of AstUtils.streamAst(model)) {
        for (const { reference } of AstUtils.streamReferences(node)) {
            if ('ref' in reference && reference.ref === undefined && reference.$refNode) ranges.push(reference.$refNode.range);
        }
    }
    return ranges;
}

/** Whether range `outer` contains range `inner`. */
function contains(outer: SourceRange, inner: SourceRange): boolean {
    const before = (a: SourceRange['start'], b: SourceRange['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
    return before(outer.start, inner.start) && before(inner.end, outer.end);
}
