// Latency of the language server as an editor sees it: the built server as a child process over
// stdio, timed from the request (or the edit) to the answer (or the diagnostics of that edit).
//   hover on examples/ddpm.gm, at every factor, variable and network name, repeated;
//   diagnostics of a 5 000-line file after a one-character edit, repeated.
// Prints p50 / p99 / max per measurement. Goals (issue 14): hover < 50 ms, diagnostics < 500 ms.
// Usage: npm run build && node bench/lsp-latency.mjs [--rounds N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bigGmFile } from './big-gm-file.mjs';
import { startBenchServer, summary } from './lsp-bench.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const rounds = Number(values.rounds);

const lsp = await startBenchServer();
const { connection, diagnosticsOf, open } = lsp;

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
