import { DefaultCompletionProvider, type NextFeature } from 'langium/lsp';
import type { LangiumDocument } from 'langium';

type TextDocument = LangiumDocument['textDocument'];

/**
 * Tokens after the last one the completion parser placed that Langium may replay through the
 * grammar. The replay's cost grows much faster than the number of tokens: 350 tokens of `2^2^…`
 * replayed from where the parser stopped took seconds per request. Past this many (after a bracket
 * that is never closed, for one: gm-parser.ts skips to the end), the text before the cursor is broken
 * beyond what completion can use, and it offers nothing.
 */
export const MAX_REPLAYED_TOKENS = 64;

/** Langium's completion, bounded on text the parser could not read. */
export class GmCompletionProvider extends DefaultCompletionProvider {
    protected override findFeaturesAt(document: TextDocument, offset: number): NextFeature[] {
        // Langium parses the same text again; GmCompletionParser answers that from its last result.
        const result = this.completionParser.parse(document.getText({ start: { line: 0, character: 0 }, end: document.positionAt(offset) }));
        if (result.tokens.length - result.tokenIndex > MAX_REPLAYED_TOKENS) return [];
        return super.findFeaturesAt(document, offset);
    }
}
