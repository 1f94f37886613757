/**
 * The threaded SIMD build of tfjs-backend-wasm under Node: XNNPACK's thread pool (matrix products,
 * convolutions) on node:worker_threads.
 *
 * tfjs loads that build only in browsers (its flag WASM_HAS_MULTITHREAD_SUPPORT is false under Node,
 * tensorflow/tfjs#3830): its loader hands Emscripten's pthread workers a blob: URL and the main script
 * as a Blob, which node:worker_threads cannot load. Here the same Emscripten module starts with what
 * Node needs: the worker script as a file (wasm-threads/pthread-worker.cjs) and the main script by path
 * (every worker evaluates it). The result is the backend tfjs itself would construct (BackendWasm),
 * registered as 'wasm', so tfjs's wasm kernels run on it unchanged.
 *
 * backend.cc caps the pool at half of `emscripten_num_logical_cores` (it assumes two hardware threads
 * per core), which leaves one thread on two cores; this module's instance answers that import with
 * 2 × threads, so the pool has the threads asked for. Nothing global is patched.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

/** tfjs's priority of the wasm backend (tfjs-backend-wasm's base.ts). */
const WASM_PRIORITY = 2;
/** The workers Emscripten starts with the module (PTHREAD_POOL_SIZE of tfjs's build), and backend.cc's cap. */
export const MAX_WASM_THREADS = 8;
export const THREADS_ENV = 'GM_WASM_THREADS';
/** Starting the module starts its 8 workers; a start that takes longer than this has failed. */
const START_TIMEOUT_MS = 60_000;

const WASM = 'tfjs-backend-wasm-threaded-simd.wasm';
const MAIN_BUNDLED = 'tfjs-backend-wasm-threaded-simd.cjs';
const WORKER = 'pthread-worker.cjs';

export interface ThreadedWasmFiles {
    /** Emscripten's main script (CommonJS): the module factory, which every worker evaluates too. */
    main: string;
    /** The worker script given to node:worker_threads. */
    worker: string;
    wasm: string;
}

/**
 * The files of the threaded build. A bundle carries them beside its wasm binaries (`wasmDir`, copied by
 * packages/cli/build.mjs); a checkout takes tfjs's own and this package's worker script.
 */
export function threadedWasmFiles(wasmFolder: string, bundled: boolean): ThreadedWasmFiles {
    if (bundled) return { main: path.join(wasmFolder, MAIN_BUNDLED), worker: path.join(wasmFolder, WORKER), wasm: path.join(wasmFolder, WASM) };
    return {
        main: require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
        worker: fileURLToPath(new URL(`../../wasm-threads/${WORKER}`, import.meta.url)),
        wasm: path.join(wasmFolder, WASM),
    };
}

/**
 * The cores that other work leaves free: those this process may use less the 1-minute load average, rounded, at
 * least one. XNNPACK's pool waits for its slowest thread, so a thread on a busy core slows every kernel: with both
 * cores of the development machine busy, two threads ran at 0.63× one (BENCHMARKS.md, "wasm on every core").
 */
export function freeCores(): { cores: number; load: number; free: number } {
    const cores = os.availableParallelism();
    const load = os.loadavg()[0] ?? 0;
    return { cores, load, free: Math.max(1, Math.min(cores, cores - Math.round(load))) };
}

/**
 * The threads wanted: GM_WASM_THREADS, else every free core (freeCores), at most 8; `busy` is the load that left
 * one thread of several cores, as it was when decided.
 */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env): { threads: number; busy?: { cores: number; load: number } } {
    const given = env[THREADS_ENV];
    if (given === undefined || given.trim() === '') {
        const { cores, load, free } = freeCores();
        return free === 1 && cores > 1 ? { threads: 1, busy: { cores, load } } : { threads: Math.min(free, MAX_WASM_THREADS) };
    }
    const n = Number(given);
    if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
        throw new Error(`${THREADS_ENV} must be a whole number of threads from 1 to ${MAX_WASM_THREADS} (1: no threads), got '${given}'`);
    }
    return { threads: n };
}

/** The parts of Emscripten's module object used here. */
interface EmscriptenModule {
    cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
    PThread?: { unusedWorkers: WorkerLike[]; runningWorkers: WorkerLike[]; terminateAllThreads(): void };
    tfjs?: unknown;
}
type WorkerLike = Worker & { onerror?: (e: unknown) => void };

type Factory = (config: object) => Promise<EmscriptenModule>;
/** Node's WebAssembly (this package compiles without the DOM's types). */
const webAssembly = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> } }).WebAssembly;
const GLUE_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

function startModule(files: ThreadedWasmFiles, threads: number, timeoutMs: number): Promise<EmscriptenModule> {
    const factory = require(files.main) as Factory;
    const before = GLUE_EVENTS.map(event => process.listeners(event as 'uncaughtException'));
    let config!: EmscriptenModule & Record<string, unknown>;
    return new Promise<EmscriptenModule>((resolve, reject) => {
        let settled = false;
        let started = false;
        const fail = (why: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            config?.PThread?.terminateAllThreads();
            // The glue's Node handlers (rethrow) go with it.
            GLUE_EVENTS.forEach((event, i) => {
                for (const l of process.listeners(event as 'uncaughtException')) if (!before[i]!.includes(l)) process.removeListener(event, l);
            });
            reject(why instanceof Error ? why : new Error(describe(why)));
        };
        // Kept referenced: while the module starts, it alone may hold the process open.
        const timer = setTimeout(() => fail(new Error(`its workers did not start within ${timeoutMs / 1000} s`)), timeoutMs);
        config = {
            locateFile: (name: string) => (name.endsWith('.worker.js') ? files.worker : name.endsWith('.wasm') ? files.wasm : name),
            mainScriptUrlOrBlob: files.main,
            onAbort: (what: unknown) => fail(new Error(`the module aborted: ${describe(what)}`)),
            instantiateWasm: (imports: { env: object }, receive: (instance: unknown, module: unknown) => void) => {
                const withCores = { ...imports, env: { ...imports.env, emscripten_num_logical_cores: () => 2 * threads } };
                fs.promises
                    .readFile(files.wasm)
                    .then(bytes => webAssembly.instantiate(bytes, withCores))
                    .then(({ instance, module }) => {
                        receive(instance, module);
                        // The glue's 'error' listener calls worker.onerror, which throws: while starting,
                        // reject instead; once started, a failing worker still ends the process loudly.
                        for (const w of config.PThread?.unusedWorkers ?? []) {
                            const glue = w.onerror;
                            w.onerror = e => (started ? glue?.(e) : fail(new Error(`a worker failed: ${describe(e)}`)));
                        }
                    })
                    .catch(fail);
                return {};
            },
        } as unknown as EmscriptenModule & Record<string, unknown>;
        let ready: Promise<EmscriptenModule>;
        try {
            ready = factory(config);
        } catch (error) {
            fail(error);
            return;
        }
        // The module starts 8 workers; XNNPACK's pool takes threads − 1 of them at once (the pool waits for
        // them, so they must be loaded beforehand) and nothing else starts threads: the rest go unloaded.
        const pool = config.PThread?.unusedWorkers ?? [];
        for (const w of pool.splice(Math.max(threads - 1, 1))) void w.terminate();
        // A worker that fails before the glue listens (its script does not load) must not crash the process.
        for (const w of pool) {
            w.on('error', e => fail(new Error(`a worker failed: ${describe(e)}`)));
            w.once('exit', code => fail(new Error(`a worker exited (code ${code})`)));
        }
        ready.then(module => {
            if (settled) return;
            settled = started = true;
            clearTimeout(timer);
            resolve(module);
        }, fail);
    });
}

/**
 * Starts the threaded build with `threads` threads (the main thread and threads − 1 workers) and
 * returns the backend, not yet registered. Throws, with every worker ended, when it does not start.
 */
export async function startThreadedWasm(files: ThreadedWasmFiles, threads: number, timeoutMs = START_TIMEOUT_MS): Promise<tf.KernelBackend> {
    const missing = Object.values(files).find(f => !fs.existsSync(f));
    if (missing) throw new Error(`${missing} is missing`);
    const module = await startModule(files, threads, timeoutMs);
    // As tfjs-backend-wasm's init() does.
    module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
    };
    setThreadsCount(threads);
    // Creates XNNPACK's pool: threads − 1 workers now wait for work.
    const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    const pool = module.PThread!;
    // A worker holds the process open while it runs a thread; the pool's threads never end, so none may.
    for (const w of [...pool.unusedWorkers, ...pool.runningWorkers]) w.unref();
    if (getThreadsCount() !== threads) {
        backend.dispose();
        throw new Error(`XNNPACK's pool has ${getThreadsCount()} threads, not ${threads}`);
    }
    return backend;
}

/** What runs as 'wasm' now: the threads, and why one when more were wanted. */
export interface WasmThreads {
    threads: number;
    /** Why the threaded build is not used although more threads were wanted. */
    fallback?: string;
    /** The cores and load average that left one thread (the default, on busy cores). */
    busy?: { cores: number; load: number };
}

let threaded: { threads: number } | undefined;
let stockFactory: ReturnType<typeof tf.findBackendFactory> | undefined;

async function activateWasm(): Promise<void> {
    const ok = await tf.setBackend('wasm');
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('the wasm backend failed to initialize');
    await tf.ready();
}

/**
 * Makes 'wasm' the active backend with `threads` threads: the threaded build for more than one (when it
 * starts; else one thread and why), tfjs's own single-threaded SIMD build for one.
 */
export async function useWasmThreads(threads: number, files: () => ThreadedWasmFiles): Promise<WasmThreads> {
    if (threads > 1) {
        if (threaded?.threads === threads && tf.findBackend('wasm')) {
            await activateWasm();
            return { threads };
        }
        try {
            const backend = await startThreadedWasm(files(), threads);
            stockFactory ??= tf.findBackendFactory('wasm');
            tf.removeBackend('wasm');
            tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
            threaded = { threads };
            await activateWasm();
            return { threads };
        } catch (error) {
            const fallback = `the threaded wasm build did not start (${describe(error)})`;
            await useStockWasm();
            return { threads: 1, fallback };
        }
    }
    await useStockWasm();
    return { threads: 1 };
}

async function useStockWasm(): Promise<void> {
    if (threaded && stockFactory) {
        tf.removeBackend('wasm');
        tf.registerBackend('wasm', stockFactory, WASM_PRIORITY);
        threaded = undefined;
    }
    await activateWasm();
}

function describe(what: unknown): string {
    if (what instanceof Error) return what.message.split('\n')[0]!;
    if (what && typeof what === 'object' && 'message' in what) return String((what as { message: unknown }).message);
    return String(what);
}
