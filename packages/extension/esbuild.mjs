// Bundles the extension: the client (CommonJS, for the extension host), the gm language server
// (`@gm/language/server`, run as its own Node process), the webview scripts (browser IIFEs), and the
// assets they load (KaTeX's CSS and fonts, uPlot's CSS, the TextMate grammar), and the gm command line
// that training, sampling and evaluation run (packages/cli's bundle with its wasm binaries and MNIST
// digits, built before this by `npm run build`). Nothing is fetched at run time: the .vsix carries all of it.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// --out DIR builds elsewhere (the tests build into a temporary folder).
const outArg = process.argv.indexOf('--out');
const out = outArg >= 0 ? path.resolve(process.argv[outArg + 1]) : path.join(here, 'out');
// Other packages only through their public entries ("exports"); they are built before this runs.
const resolveFile = specifier => fileURLToPath(import.meta.resolve(specifier));

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };

const builds = [
    {
        ...common,
        entryPoints: { extension: path.join(here, 'src/extension.ts') },
        outdir: out,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['vscode'],
    },
    {
        ...common,
        entryPoints: [resolveFile('@gm/language/server')],
        outfile: path.join(out, 'server.cjs'),
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        // Langium's ES modules read import.meta.url in places; give them the bundle's own URL.
        define: { 'import.meta.url': 'importMetaUrl' },
        banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    },
    {
        ...common,
        entryPoints: ['dashboard', 'derivation', 'graph'].map(n => path.join(here, `src/webviews/${n}.ts`)),
        outdir: path.join(out, 'webviews'),
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
    },
];

function copyAssets() {
    const copy = (from, to) => {
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.cpSync(from, to, { recursive: true });
    };
    const katex = path.dirname(fileURLToPath(import.meta.resolve('katex/package.json')));
    copy(path.join(katex, 'dist/katex.min.css'), path.join(out, 'katex/katex.min.css'));
    // Only the woff2 fonts: every engine VS Code ships reads them, and the .vsix stays small.
    fs.mkdirSync(path.join(out, 'katex/fonts'), { recursive: true });
    for (const f of fs.readdirSync(path.join(katex, 'dist/fonts')).filter(f => f.endsWith('.woff2'))) copy(path.join(katex, 'dist/fonts', f), path.join(out, 'katex/fonts', f));
    const uplot = path.dirname(fileURLToPath(import.meta.resolve('uplot/package.json')));
    copy(path.join(uplot, 'dist/uPlot.min.css'), path.join(out, 'webviews/uPlot.min.css'));
    copy(path.join(here, 'src/webviews/common.css'), path.join(out, 'webviews/common.css'));
    copy(resolveFile('@gm/language/syntaxes/gm.tmLanguage.json'), path.join(out, 'syntaxes/gm.tmLanguage.json'));
    // The npm package `gm-lang` as it installs (its package.json makes bin/gm.js an ES module).
    const cli = path.join(here, '..', 'cli');
    if (!fs.existsSync(path.join(cli, 'dist', 'gm.mjs'))) throw new Error(`${cli}/dist/gm.mjs is missing: run 'npm run build:cli' at the repository root first`);
    for (const part of ['package.json', 'bin', 'dist']) copy(path.join(cli, part), path.join(out, 'cli', part));
}

fs.rmSync(out, { recursive: true, force: true });
copyAssets();
if (watch) {
    for (const options of builds) await (await esbuild.context(options)).watch();
} else {
    await Promise.all(builds.map(options => esbuild.build(options)));
}
