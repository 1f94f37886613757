// Completion on hostile text, as an editor sees it: the built server as a child process over stdio,
// completion asked at evenly spaced places and timed from request to answer.
//   the texts the fuzz test once failed on (test/fuzz-regressions/);
//   examples/vae.gm with an operand nested past the parser's limit (30 brackets), then a call chain
//   `(1)(1)…` of N calls, closed or not, with completion at the next member.
// Prints p50 / p99 / max per text. The fuzz test's limit for any answer is 2 000 ms.
// Usage: npm run build && node bench/completion-hostile.mjs [--places N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
// The same client as the server tests (Node 22 strips the helper's types).
import { startLanguageServer } from '../test/lsp-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { places: { type: 'string', default: '80' } } });
const places = Number(values.places);

const waiting = new Map();
const lsp = await startLanguageServer({
    handlers: connection =>
        connection.onNotification('textDocument/publishDiagnostics', params => {
            waiting.get(params.uri)?.();
            waiting.delete(params.uri);
        }),
});
const { connection } = lsp;

function positionAt(text, offset) {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before.at(-1).length };
}

function summary(name, times) {
    const sorted = [...times].sort((a, b) => a - b);
    const at = q => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    console.log(
        `${name.padEnd(62)} n=${String(sorted.length).padStart(4)}  p50 ${at(0.5).toFixed(1).padStart(7)} ms  p99 ${at(0.99).toFixed(1).padStart(7)} ms  max ${sorted.at(-1).toFixed(1).padStart(7)} ms`,
    );
}

let documents = 0;
/** Opens the text, waits for its diagnostics, and times completion at each offset. */
async function completionTimes(text, offsets) {
    const uri = `file:///bench/hostile-${documents++}.gm`;
    const ready = new Promise(resolve => waiting.set(uri, resolve));
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version: 1, text } });
    await ready;
    const times = [];
    for (const offset of offsets) {
        const started = performance.now();
        await connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: positionAt(text, offset) });
        times.push(performance.now() - started);
    }
    return times;
}

const spaced = text => Array.from({ length: places + 1 }, (_, k) => Math.round((k * text.length) / places));
const regressions = path.join(ROOT, 'test', 'fuzz-regressions');
for (const file of fs
    .readdirSync(regressions)
    .filter(f => f.endsWith('.gm'))
    .sort()) {
    const text = fs.readFileSync(path.join(regressions, file), 'utf-8');
    summary(`${file}, ${places + 1} places`, await completionTimes(text, spaced(text)));
}

const vae = fs.readFileSync(path.join(ROOT, 'examples', 'vae.gm'), 'utf-8');
for (const calls of [1000, 4000]) {
    for (const closed of [true, false]) {
        const operand = `${'['.repeat(30)}z${'(1)'.repeat(calls)}${closed ? ']'.repeat(30) : ''}`;
        const times = [];
        // A new text each round (a comment at the top), as when typing: nothing is answered from a cache.
        for (let round = 0; round < 20; round++) {
            const text = `// round ${round}\n${vae.replace('logits: decoder(z)', `logits: decoder(z) * ${operand}`)}`;
            const member = text.indexOf('\n', text.indexOf(operand)) + 3; // the start of the next line's member
            times.push(...(await completionTimes(text, [member])));
        }
        summary(`vae.gm, ${calls} calls inside 30 brackets (${closed ? 'closed' : 'unclosed'}), next member`, times);
    }
}
await lsp.stop();
