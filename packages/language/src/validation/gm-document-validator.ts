import { CstUtils, DefaultDocumentValidator, type AstNode, type ParseResult, type ValidateSingleNodeOptions, type ValidationOptions } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { isModel } from '../generated/ast.js';
import { TooDeepException } from '../gm-parser.js';
import { Code } from './codes.js';

/**
 * Langium's document validator, with gm's code on the parser's depth errors (gm-parser.ts), and a walk
 * that stops at each model: gm's checks are registered on Document and Model only (gm-validator.ts; a
 * test keeps it so), and walking every node of a 5 000-line file, with an await per node, cost a tenth
 * of an edit's time in the language server.
 */
export class GmDocumentValidator extends DefaultDocumentValidator {
    protected override validateSingleNodeOptions(node: AstNode, options: ValidationOptions): ValidateSingleNodeOptions {
        const each = super.validateSingleNodeOptions(node, options);
        return isModel(node) ? { ...each, validateChildren: false } : each;
    }

    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const tooDeep = parseResult.parserErrors.filter(e => e instanceof TooDeepException);
        super.processParsingErrors({ ...parseResult, parserErrors: parseResult.parserErrors.filter(e => !(e instanceof TooDeepException)) }, diagnostics, options);
        for (const error of tooDeep) {
            const range = CstUtils.isValidTokenRange(error.token) ? CstUtils.tokenToRange(error.token) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
            diagnostics.push({ severity: DiagnosticSeverity.Error, range, message: error.message, code: Code.TooDeep, source: this.getSource() });
        }
    }
}
