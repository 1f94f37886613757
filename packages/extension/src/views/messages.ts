/**
 * Messages between the webviews and the extension. Everything a webview posts is untrusted input
 * (a webview runs arbitrary rendered content): it is checked field by field before it is used.
 */
import type { SourceRange } from '@gm/language/protocol';

export type WebviewMessage =
    { type: 'ready' } | { type: 'stop' } | { type: 'resume' } | { type: 'sample' } | { type: 'reveal'; range: SourceRange } | { type: 'copyLatex'; model: string };

const isPosition = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    const p = v as Record<string, unknown>;
    return (
        Number.isInteger(p.line) &&
        Number.isInteger(p.character) &&
        (p.line as number) >= 0 &&
        (p.character as number) >= 0 &&
        (p.line as number) < 10_000_000 &&
        (p.character as number) < 10_000_000
    );
};

const isRange = (v: unknown): v is SourceRange =>
    typeof v === 'object' && v !== null && isPosition((v as Record<string, unknown>).start) && isPosition((v as Record<string, unknown>).end);

/** The message if it is one the extension understands, with only the fields it uses; else undefined. */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const m = value as Record<string, unknown>;
    switch (m.type) {
        case 'ready':
        case 'stop':
        case 'resume':
        case 'sample':
            return { type: m.type };
        case 'reveal':
            return isRange(m.range) ? { type: 'reveal', range: { start: { ...m.range.start }, end: { ...m.range.end } } } : undefined;
        case 'copyLatex':
            return typeof m.model === 'string' && m.model.length <= 256 ? { type: 'copyLatex', model: m.model } : undefined;
        default:
            return undefined;
    }
}
