import { CstUtils, DefaultDocumentValidator, type ParseResult, type ValidationOptions } from 'langium';
import type { Diagnostic } from 'vscode-languageserver-types';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import { TooDeepException } from '../gm-parser.js';
import { Code } from './codes.js';

/** Langium's document validator, with gm's code on the parser's depth errors (gm-parser.ts). */
export class GmDocumentValidator extends DefaultDocumentValidator {
    protected override processParsingErrors(parseResult: ParseResult, diagnostics: Diagnostic[], options: ValidationOptions): void {
        const tooDeep = parseResult.parserErrors.filter(e => e instanceof TooDeepException);
        super.processParsingErrors({ ...parseResult, parserErrors: parseResult.parserErrors.filter(e => !(e instanceof TooDeepException)) }, diagnostics, options);
        for (const error of tooDeep) {
            const range = CstUtils.isValidTokenRange(error.token) ? CstUtils.tokenToRange(error.token) : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
            diagnostics.push({ severity: DiagnosticSeverity.Error, range, message: error.message, code: Code.TooDeep, source: this.getSource() });
        }
    }
}
