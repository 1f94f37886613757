'use strict';
// The pthread worker of tfjs-backend-wasm's threaded SIMD build, for node:worker_threads (see
// src/backend/wasm-threads.ts). tfjs ships Emscripten's worker script only as a string, for a blob: URL,
// which node:worker_threads cannot load; this file runs that string as the CommonJS script it is
// written as. In a bundle the string's module lies beside this file; in a checkout it is tfjs's own.
const fs = require('node:fs');
const path = require('node:path');

const beside = path.join(__dirname, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
const { wasmWorkerContents } = require(fs.existsSync(beside) ? beside : '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
// The string was written for a Blob: its "\n" escapes became newlines inside string literals (tfjs
// escapes them again before making the Blob, and so does this).
new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n'))(require, __filename);
