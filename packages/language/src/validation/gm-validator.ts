import type { AstNode, ValidationAcceptor, ValidationChecks } from 'langium';
import { AstUtils, URI } from 'langium';
import * as ast from '../generated/ast.js';
import type { GmServices } from '../gm-module.js';
import { LIBRARY_URI } from '../library/library.js';
import type { GmModelCache } from '../ir/model-cache.js';

/** Registers gm's checks: one table, one small method per concern. */
export function registerValidationChecks(services: GmServices): void {
    const registry = services.validation.ValidationRegistry;
    const validator = services.validation.GmValidator;
    const checks: ValidationChecks<ast.GmAstType> = {
        Document: [validator.checkUniqueModelNames, validator.checkBuiltinsOnlyInLibrary],
        Model: [validator.checkUniqueMemberNames, validator.checkLowering],
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

    constructor(services: GmServices) {
        this.models = services.ir.ModelCache;
    }

    checkUniqueModelNames(document: ast.Document, accept: ValidationAcceptor): void {
        const seen = new Set<string>();
        for (const model of document.models) {
            if (seen.has(model.name)) accept('error', `duplicate model '${model.name}'`, { node: model, property: 'name', code: 'duplicate-model' });
            seen.add(model.name);
        }
    }

    checkBuiltinsOnlyInLibrary(document: ast.Document, accept: ValidationAcceptor): void {
        if (AstUtils.getDocument(document).uri.toString() === URI.parse(LIBRARY_URI).toString()) return;
        for (const builtin of document.builtins) {
            accept('error', "'builtin' declarations belong to gm's library; declare a model instead", { node: builtin, keyword: 'builtin', code: 'builtin-outside-library' });
        }
    }

    checkUniqueMemberNames(model: ast.Model, accept: ValidationAcceptor): void {
        const first = new Map<string, AstNode>();
        for (const { name, node } of declaredNames(model)) {
            const earlier = first.get(name);
            if (earlier) {
                const line = (earlier.$cstNode?.range.start.line ?? 0) + 1;
                accept('error', `'${name}' is already declared on line ${line}`, { node, property: 'name', code: 'duplicate-name' });
            } else {
                first.set(name, node);
            }
        }
    }

    /** What lowering to the IR could not make sense of. */
    checkLowering(model: ast.Model, accept: ValidationAcceptor): void {
        // Syntax errors first: what lowering says of a model with holes would only repeat them.
        const { parserErrors, lexerErrors } = AstUtils.getDocument(model).parseResult;
        if (parserErrors.length > 0 || lexerErrors.length > 0) return;
        for (const problem of this.models.get(model).problems) {
            accept(problem.severity, problem.message, { node: model, range: problem.range, code: problem.code });
        }
    }
}
