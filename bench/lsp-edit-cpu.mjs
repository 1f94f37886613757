// CPU time of one edit of a 5 000-line file, in-process: the services the server uses rebuild the
// document (parse, link, validate) after a one-character change, as on each keystroke. CPU time, not
// wall time, so that a loaded machine says less about it. Prints the median over the edits after a warm-up.
// Usage: npm run build && node bench/lsp-edit-cpu.mjs [edits]
import { createGmServices, ensureLibrary } from '@gm/language';
import { EmptyFileSystem, URI } from 'langium';
import * as path from 'node:path';
import { bigGmFile } from './big-gm-file.mjs';

const root = path.resolve(import.meta.dirname, '..');
const edits = Number(process.argv[2] ?? 16);
// The file of bench/lsp-latency.mjs.
let { text } = bigGmFile(root);

const { Gm } = createGmServices(EmptyFileSystem);
await ensureLibrary(Gm.shared);
const workspace = Gm.shared.workspace;
const uri = URI.parse('file:///bench/big.gm');
const cpu = [];
for (let i = 0; i < edits + 4; i++) {
    // A digit of the first batch size, changed and changed back.
    text = i % 2 ? text.replace('batch: 2', 'batch: 1') : text.replace('batch: 1', 'batch: 2');
    const before = process.cpuUsage();
    if (workspace.LangiumDocuments.hasDocument(uri)) await workspace.DocumentBuilder.update([], [uri]);
    const document = workspace.LangiumDocumentFactory.fromString(text, uri);
    workspace.LangiumDocuments.addDocument(document);
    await workspace.DocumentBuilder.build([document], { validation: true });
    const used = process.cpuUsage(before);
    if (i >= 4) cpu.push((used.user + used.system) / 1000); // the first four warm up
}
cpu.sort((a, b) => a - b);
console.log(`CPU per edit and rebuild of a 5 000-line file: median ${cpu[cpu.length >> 1].toFixed(0)} ms, min ${cpu[0].toFixed(0)}, max ${cpu.at(-1).toFixed(0)} (${edits} edits)`);
