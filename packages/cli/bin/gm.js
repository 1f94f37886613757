#!/usr/bin/env node
// The gm command line, bundled (dist/gm.mjs carries the runtime, the language and Langium; dist/wasm
// the WebAssembly backend; dist/data the MNIST digits). Langium 4 needs Node 22.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
    console.error(`gm needs Node.js 22 or newer; this is ${process.version} (${process.execPath}). In VS Code, the setting gm.nodePath names the Node.js that runs gm.`);
    process.exit(2);
}
await import('../dist/gm.mjs');
