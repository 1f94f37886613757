// Completion on hostile text, as an editor sees it: the built server as a child process over stdio,
// completion asked at evenly spaced places and timed from request to answer.
//   the texts the fuzz test once failed on (test/fuzz-regressions/);
//   examples/vae.gm with an operand nested past the parser's limit (30 brackets), then a call chain
//   `(1)(1)…` of N calls, closed or not, with completion at the next member.
// Also times each text's first diagnostics (the document's parser, linker and checks).
// Prints p50 / p99 / max per text. The fuzz test's limit for any answer is 2 000 ms.
// Usage: npm run build && node bench/completion-hostile.mjs [--places N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchServer, summary } from './lsp-bench.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { places: { type: 'string', default: '80' } } });
const places = Number(values.places);

const lsp = await startBenchServer();
const { connection, open } = lsp;

function positionAt(text, offset) {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before.at(-1).length };
}

let documents = 0;
/** Opens the text and times its diagnostics, then completion at each offset. */
async function completionTimes(text, offsets) {
    const uri = `file:///bench/hostile-${documents++}.gm`;
    const opened = performance.now();
    await open(uri, text);
    const diagnostics = performance.now() - opened;
    const times = [];
    for (const offset of offsets) {
        const started = performance.now();
        await connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: positionAt(text, offset) });
        times.push(performance.now() - started);
    }
    return { diagnostics, times };
}

const spaced = text => Array.from({ length: places + 1 }, (_, k) => Math.round((k * text.length) / places));
const regressions = path.join(ROOT, 'test', 'fuzz-regressions');
for (const file of fs
    .readdirSync(regressions)
    .filter(f => f.endsWith('.gm'))
    .sort()) {
    const text = fs.readFileSync(path.join(regressions, file), 'utf-8');
    const { diagnostics, times } = await completionTimes(text, spaced(text));
    summary(`${file}, ${places + 1} places`, times, 62);
    summary(`  its diagnostics`, [diagnostics], 62);
}

const vae = fs.readFileSync(path.join(ROOT, 'examples', 'vae.gm'), 'utf-8');
for (const calls of [1000, 4000]) {
    for (const closed of [true, false]) {
        const operand = `${'['.repeat(30)}z${'(1)'.repeat(calls)}${closed ? ']'.repeat(30) : ''}`;
        const times = [];
        const diagnostics = [];
        // A new text each round (a comment at the top), as when typing: nothing is answered from a cache.
        for (let round = 0; round < 20; round++) {
            const text = `// round ${round}\n${vae.replace('logits: decoder(z)', `logits: decoder(z) * ${operand}`)}`;
            const member = text.indexOf('\n', text.indexOf(operand)) + 3; // the start of the next line's member
            const measured = await completionTimes(text, [member]);
            times.push(...measured.times);
            diagnostics.push(measured.diagnostics);
        }
        const name = `vae.gm, ${calls} calls inside 30 brackets (${closed ? 'closed' : 'unclosed'})`;
        summary(`${name}, next member`, times, 62);
        summary(`  its diagnostics`, diagnostics, 62);
    }
}
await lsp.stop();
