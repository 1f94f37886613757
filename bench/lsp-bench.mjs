// The language server process as the editor benches drive it, and how they print latencies.
// The same client as the server tests (Node 22 strips the helper's types).
import { startLanguageServer } from '../test/lsp-process.ts';

/**
 * The built server over stdio. `diagnosticsOf(uri)` resolves with that uri's next diagnostics;
 * `open(uri, text)` opens a document and resolves with its first diagnostics.
 */
export async function startBenchServer() {
    /** uri → callback waiting for that uri's next diagnostics. */
    const waiting = new Map();
    const lsp = await startLanguageServer({
        handlers: connection =>
            connection.onNotification('textDocument/publishDiagnostics', params => {
                const resolve = waiting.get(params.uri);
                if (resolve) {
                    waiting.delete(params.uri);
                    resolve(params.diagnostics);
                }
            }),
    });
    const diagnosticsOf = uri => new Promise(resolve => waiting.set(uri, resolve));
    const open = async (uri, text) => {
        const ready = diagnosticsOf(uri);
        await lsp.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version: 1, text } });
        return ready;
    };
    return { ...lsp, diagnosticsOf, open };
}

/** One line: the measurement, how many, and p50 / p99 / max in milliseconds. */
export function summary(name, times, width = 58) {
    const sorted = [...times].sort((a, b) => a - b);
    const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const ms = v => `${v.toFixed(1).padStart(7)} ms`;
    console.log(`${name.padEnd(width)} n=${String(sorted.length).padStart(4)}  p50 ${ms(at(0.5))}  p99 ${ms(at(0.99))}  max ${ms(sorted.at(-1))}`);
}
