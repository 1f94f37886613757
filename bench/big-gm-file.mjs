// The 5 000-line file of the editor benches (bench/lsp-latency.mjs, bench/lsp-edit-cpu.mjs): the examples' models,
// renamed, repeated while they fit, then comment lines up to exactly `lines` (a file that checks clean, so an edit
// is all that changes).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file's text and how many models it holds. */
export function bigGmFile(root, lines = 5000) {
    const sources = fs
        .readdirSync(path.join(root, 'examples'))
        .filter(f => f.endsWith('.gm'))
        .sort()
        .map(f => fs.readFileSync(path.join(root, 'examples', f), 'utf-8').trimEnd());
    const out = [];
    for (let i = 0; ; i++) {
        const model = sources[i % sources.length].replace(/^model (\w+)/m, (_, name) => `model ${name}${i}`).split('\n');
        if (out.length + model.length > lines) break;
        out.push(...model);
    }
    const models = out.filter(line => line.startsWith('model ')).length;
    while (out.length < lines) out.push('// padding');
    return { text: out.join('\n'), models };
}
