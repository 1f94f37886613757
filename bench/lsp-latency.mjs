// Latency of the language server as an editor sees it: the built server as a child process over
// stdio, timed from the request (or the edit) to the answer (or the diagnostics of that edit).
//   hover on examples/ddpm.gm, at every factor, variable and network name, repeated;
//   diagnostics of a 5 000-line file after a one-character edit, repeated.
// Prints p50 / p99 / max per measurement. Goals (issue 14): hover < 50 ms, diagnostics < 500 ms.
// Usage: npm run build && node bench/lsp-latency.mjs [--rounds N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
// The same client as the server tests (Node 22 strips the helper's types).
import { startLanguageServer } from '../test/lsp-process.ts';
import { bigGmFile } from './big-gm-file.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);

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
const { connection } = lsp;

const diagnosticsOf = uri => new Promise(resolve => waiting.set(uri, resolve));

function summary(name, times) {
    const sorted = [...times].sort((a, b) => a - b);
    const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(
        `${name.padEnd(58)} n=${String(sorted.length).padStart(4)}  p50 ${at(0.5).toFixed(1).padStart(6)} ms  p99 ${at(0.99).toFixed(1).padStart(6)} ms  max ${sorted.at(-1).toFixed(1).padStart(6)} ms`,
    );
}

async function open(uri, text) {
    const ready = diagnosticsOf(uri);
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version: 1, text } });
    return ready;
}

// Hover on examples/ddpm.gm: every identifier occurrence in the factors and declarations.
const ddpmText = fs.readFileSync(path.join(ROOT, 'examples', 'ddpm.gm'), 'utf-8');
const ddpmUri = 'file:///bench/ddpm.gm';
await open(ddpmUri, ddpmText);
const positions = [];
ddpmText.split('\n').forEach((line, lineNo) => {
    if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
    for (const m of line.matchAll(/\b(p|q|x|x0|eps|beta|alpha|alphabar|sigma|T|Normal)\b/g)) positions.push({ line: lineNo, character: m.index });
});
const hoverTimes = [];
let answered = 0;
for (let i = 0; i < 20; i++) await connection.sendRequest('textDocument/hover', { textDocument: { uri: ddpmUri }, position: positions[i % positions.length] }); // warm-up
for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const hover = await connection.sendRequest('textDocument/hover', { textDocument: { uri: ddpmUri }, position: positions[i % positions.length] });
    hoverTimes.push(performance.now() - started);
    if (hover) answered++;
}
summary(`hover, examples/ddpm.gm (${positions.length} positions, ${answered} answered)`, hoverTimes);

// Diagnostics of a 5 000-line file of the examples' models (bench/big-gm-file.mjs).
const { text: bigText, models } = bigGmFile(ROOT);
const bigUri = 'file:///bench/big.gm';
const first = performance.now();
const firstDiagnostics = await open(bigUri, bigText);
console.log(
    `open a ${bigText.split('\n').length}-line file (${(bigText.length / 1024).toFixed(0)} KiB, ${models} models): first diagnostics after ${(performance.now() - first).toFixed(0)} ms, ${firstDiagnostics.length} diagnostics`,
);
// One-character edits: a digit of the first `batch:` value, changed and changed back.
const anchor = bigText.indexOf('batch: 1');
const before = bigText.slice(0, anchor).split('\n');
const position = { line: before.length - 1, character: before.at(-1).length + 'batch: '.length };
const editTimes = [];
const editRounds = Math.max(10, Math.floor(rounds / 5));
for (let i = 0; i < editRounds + 3; i++) {
    const digit = i % 2 === 0 ? '2' : '1';
    const ready = diagnosticsOf(bigUri);
    const started = performance.now();
    await connection.sendNotification('textDocument/didChange', {
        textDocument: { uri: bigUri, version: i + 2 },
        contentChanges: [{ range: { start: position, end: { line: position.line, character: position.character + 1 } }, text: digit }],
    });
    await ready;
    if (i >= 3) editTimes.push(performance.now() - started); // the first three warm up
}
summary('diagnostics after a one-character edit, 5 000-line file', editTimes);

await lsp.stop();
