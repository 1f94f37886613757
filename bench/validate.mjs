// How long the language server takes to validate the largest example: parse, link, lower to the IR
// and run every check, as on each keystroke. Prints the median over repeated runs after a warm-up.
// Usage: npm run build && node bench/validate.mjs [file.gm] [runs]
import { createGmServices, ensureLibrary } from '@gm/language';
import { EmptyFileSystem, URI } from 'langium';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const examples = fs
    .readdirSync(path.join(root, 'examples'))
    .filter(f => f.endsWith('.gm'))
    .map(f => path.join(root, 'examples', f));
const largest = examples.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
const file = process.argv[2] ? path.resolve(process.argv[2]) : largest;
const runs = Number(process.argv[3] ?? 50);

const services = createGmServices(EmptyFileSystem).Gm;
await ensureLibrary(services.shared);
const workspace = services.shared.workspace;
const text = fs.readFileSync(file, 'utf-8');

/** One full validation of a fresh document (nothing cached). */
async function validateOnce(i) {
    const uri = URI.parse(`file:///bench/${i}.gm`);
    const document = workspace.LangiumDocumentFactory.fromString(text, uri);
    workspace.LangiumDocuments.addDocument(document);
    const started = performance.now();
    await workspace.DocumentBuilder.build([document], { validation: true });
    const elapsed = performance.now() - started;
    const diagnostics = document.diagnostics?.length ?? 0;
    await workspace.DocumentBuilder.update([], [uri]);
    return { elapsed, diagnostics };
}

for (let i = 0; i < 10; i++) await validateOnce(-1 - i); // warm-up: JIT and the library's index
const times = [];
let diagnostics = 0;
for (let i = 0; i < runs; i++) {
    const r = await validateOnce(i);
    times.push(r.elapsed);
    diagnostics = r.diagnostics;
}
times.sort((a, b) => a - b);
const q = p => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
console.log(
    `${path.relative(root, file)} (${text.split('\n').length} lines, ${diagnostics} diagnostics): validation median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${q(0)} ms over ${runs} runs (node ${process.version})`,
);
