/**
 * Chooses and initializes the tfjs backend for `--backend auto|wasm|cpu|webgpu|tfjs-node|tfjs-node-gpu`.
 * `auto` takes the fastest that loads: tfjs-node-gpu, then tfjs-node (optional packages, used when the
 * user installed them), then WebGPU when a real (not software) GPU adapter exists and the measured rule
 * of auto-rule.ts says the model's networks run faster there, then wasm.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { NetworkIR } from '@gm/language';
import { assetLocations } from '../assets.js';
import { webGpuFaster } from './auto-rule.js';
import { installFastGradients } from './fast-gradients.js';
import { THREADS_ENV, threadedWasmFiles, useWasmThreads, wasmThreadsWanted, type WasmThreads } from './wasm-threads.js';
import { installChunkedAddN } from './webgpu-addn.js';
import { installPadByAxis } from './webgpu-pad.js';
import { guardWebGpuDevice } from './webgpu-errors.js';
import { adapterLabel, dawnModule, probeDawn, type AdapterInfo, type DawnCandidate } from './webgpu-probe.js';

export const BACKEND_REQUESTS = ['auto', 'wasm', 'cpu', 'webgpu', 'tfjs-node', 'tfjs-node-gpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];
/** What `gm train --backend` takes: these and `torch`, the PyTorch target (src/torch/), which trains but does not sample or evaluate. */
export const TRAIN_BACKENDS = [...BACKEND_REQUESTS, 'torch'] as const;

export interface BackendChoice {
    /** The option the user gave. */
    requested: BackendRequest;
    /** The tfjs backend name now active ('wasm', 'cpu', 'webgpu', 'tensorflow'). */
    name: string;
    /** What was chosen, in the option's words ('wasm', 'tfjs-node-gpu' …). */
    kind: Exclude<BackendRequest, 'auto'>;
    /** Why: that it was asked for, or what `auto` tried and why the others were skipped; wasm adds its threads. */
    reason: string;
    /** wasm: the threads of XNNPACK's pool, and why one when more were wanted (wasm-threads.ts). */
    wasm?: WasmThreads;
}

export function isBackendRequest(value: string): value is BackendRequest {
    return (BACKEND_REQUESTS as readonly string[]).includes(value);
}

const require = createRequire(import.meta.url);

/** The folder with the wasm binaries, as a file path with a trailing separator (Node reads files). */
export function wasmBinaryFolder(): string {
    const bundled = assetLocations().wasmDir;
    if (bundled) return bundled.endsWith(path.sep) ? bundled : bundled + path.sep;
    return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + path.sep + 'dist' + path.sep;
}

async function activate(name: string): Promise<void> {
    const ok = await tf.setBackend(name);
    if (!ok || tf.getBackend() !== name) throw new Error(`the ${name} backend failed to initialize`);
    await tf.ready();
}

/** WebGPU with every kernel inside the device limits and device errors turned into exceptions. */
async function useWebGpu(): Promise<void> {
    installChunkedAddN();
    installPadByAxis();
    await activate('webgpu');
    guardWebGpuDevice();
}

/** wasm with the threads wanted (GM_WASM_THREADS, else every free core): the threaded build, or one thread and why. */
async function useWasm(): Promise<WasmThreads> {
    const { threads, busy } = wasmThreadsWanted();
    setWasmPaths(wasmBinaryFolder());
    const t = await useWasmThreads(threads, () => threadedWasmFiles(wasmBinaryFolder(), assetLocations().wasmDir !== undefined));
    return busy ? { ...t, busy } : t;
}

/** The threads, in words, for a backend's reason. */
export function describeWasmThreads(t: WasmThreads): string {
    if (t.fallback) return `one thread: ${t.fallback}`;
    if (t.threads > 1) return `${t.threads} threads (${THREADS_ENV}=1 for one)`;
    if (t.busy) return `one thread (the other cores are busy: load ${t.busy.load.toFixed(1)} on ${t.busy.cores}; ${THREADS_ENV}=${t.busy.cores} for ${t.busy.cores})`;
    return process.env[THREADS_ENV] ? `one thread (${THREADS_ENV}=${process.env[THREADS_ENV]})` : 'one thread (one core)';
}

/** Imports an optional package that may not be installed; the specifier is a variable so tsc does not resolve it. */
export async function importOptional(specifier: string): Promise<unknown> {
    return import(specifier);
}

async function useTfjsNode(gpu: boolean, verbose: boolean): Promise<void> {
    // TensorFlow's C++ logs (CPU features, CUDA libraries) go to stderr; only errors unless asked.
    if (!verbose) process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    // Both packages register the 'tensorflow' backend into the shared tfjs-core engine.
    await importOptional(gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    await activate('tensorflow');
}

/** Why an optional package did not load, in a few words. */
export function loadFailure(error: unknown): string {
    const code = (error as { code?: string }).code;
    return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' ? 'not installed' : `failed to load (${message(error)})`;
}

/** Software rasterizers that expose a WebGPU adapter but are slower than wasm (BENCHMARKS.md, "WebGPU"). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

export function isSoftwareAdapter(label: string): boolean {
    return SOFTWARE_ADAPTER.test(label);
}

type Gpu = { requestAdapter(options?: object): Promise<unknown> };

const VULKAN_LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

export function vulkanLoaderPresent(): boolean {
    const extra = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
    return [...extra, ...VULKAN_LOADER_DIRS].some(dir => existsSync(path.join(dir, 'libvulkan.so.1')));
}

/** Dawn's default backend (Vulkan, Metal, D3D12): not tried on Linux without a Vulkan loader (Dawn would only warn). */
export const DAWN_DEFAULT: DawnCandidate = { name: 'Vulkan/Metal/D3D12', flags: [] };
/** OpenGL ES in compatibility mode: stock Mesa, surfaceless; Mesa's software rasterizer on machines without a GPU. */
export const DAWN_OPENGLES: DawnCandidate = { name: 'OpenGL ES', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } };

export type GpuAdapterSearch = { ok: true; label: string; install: () => Promise<void> } | { ok: false; why: string };

/**
 * A WebGPU adapter, or why there is none. Under Node, WebGPU needs the optional packages `webgpu`
 * (Dawn) and `@tensorflow/tfjs-backend-webgpu`. Dawn's candidates are probed in a child process
 * (webgpu-probe.ts), which keeps the drivers' warnings out of the output unless `verbose`; the first
 * hardware adapter wins, a software renderer only when `allowSoftware`. `install` then creates that
 * candidate here and replaces `navigator.gpu` by one that adds its options (tfjs asks for an adapter
 * without options).
 */
async function findGpuAdapter(allowSoftware: boolean, verbose: boolean): Promise<GpuAdapterSearch> {
    const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
    if (nav?.gpu) {
        // WebGPU already in this process (a browser, or Dawn installed by an earlier selection): ask it directly.
        const adapter = (await nav.gpu.requestAdapter().catch(() => null)) as { info?: AdapterInfo } | null;
        if (!adapter) return { ok: false, why: 'WebGPU found no GPU adapter' };
        const label = adapterLabel(adapter.info ?? {});
        if (!allowSoftware && isSoftwareAdapter(label)) return { ok: false, why: `the only WebGPU adapter is a software renderer (${label})` };
        return { ok: true, label, install: importTfjsWebGpu };
    }
    const dawn = dawnModule();
    if (!dawn) return { ok: false, why: 'no WebGPU in this Node (the optional package `webgpu` is not installed)' };
    const candidates = [...(process.platform !== 'linux' || vulkanLoaderPresent() ? [DAWN_DEFAULT] : []), ...(allowSoftware ? [DAWN_OPENGLES] : [])];
    if (candidates.length === 0) return { ok: false, why: 'no Vulkan loader (libvulkan.so.1), so no GPU for WebGPU' };
    const probe = await probeDawn(dawn, candidates);
    if (verbose && probe.stderr.trim()) process.stderr.write(`probing WebGPU (Dawn) printed:\n${probe.stderr.trimEnd()}\n`);
    const found = probe.results.filter(r => r.adapter).map(r => ({ candidate: r.candidate, label: adapterLabel(r.adapter!) }));
    const chosen = found.find(f => !isSoftwareAdapter(f.label)) ?? (allowSoftware ? found[0] : undefined);
    if (!chosen) {
        if (found.length > 0) return { ok: false, why: `the only WebGPU adapter is a software renderer (${found[0]!.label})` };
        const errors = probe.results.filter(r => r.error).map(r => `${r.candidate.name}: ${r.error}`);
        return { ok: false, why: `WebGPU found no GPU adapter${errors.length ? ` (${errors.join('; ')})` : ''}` };
    }
    const install = async () => {
        const { create, globals } = (await import(dawn)) as { create(flags: string[]): Gpu; globals?: object };
        if (globals) Object.assign(globalThis, globals);
        if (chosen.candidate.flags.includes('backend=opengles')) process.env.EGL_PLATFORM ??= 'surfaceless';
        const gpu = create(chosen.candidate.flags);
        const options = chosen.candidate.options;
        const wrapped: Gpu = new Proxy(gpu, {
            get: (target, key) =>
                key === 'requestAdapter' ? async (o?: object) => withAdapterBindingLimits(await target.requestAdapter({ ...o, ...options })) : Reflect.get(target, key),
        });
        Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu: wrapped }, configurable: true, writable: true });
        await importTfjsWebGpu();
    };
    return { ok: true, label: chosen.label, install };
}

async function importTfjsWebGpu(): Promise<void> {
    try {
        await importOptional('@tensorflow/tfjs-backend-webgpu');
    } catch (error) {
        throw new Error('the optional package @tensorflow/tfjs-backend-webgpu is not installed', { cause: error });
    }
}

type Adapter = { limits: Record<string, number>; requestDevice(d?: { requiredLimits?: Record<string, number> }): Promise<unknown> };

/**
 * tfjs asks for the default of 8 storage buffers per shader stage; the adapter often allows more
 * (16 on Mesa, more on GPUs). Asking for what it allows makes fewer AddN chunks (webgpu-addn.ts).
 */
function withAdapterBindingLimits(adapter: unknown): unknown {
    const a = adapter as Adapter | null;
    if (!a?.limits?.maxStorageBuffersPerShaderStage) return adapter;
    const requestDevice = a.requestDevice.bind(a);
    a.requestDevice = (d = {}) => requestDevice({ ...d, requiredLimits: { ...d.requiredLimits, maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage } });
    return adapter;
}

function message(error: unknown): string {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Initializes the requested backend and installs the fast gradients. An explicit request that
 * cannot be met is an Error saying why; `auto` always ends with wasm at worst. `networks` (the model's)
 * let `auto` decide between a GPU adapter and wasm by the measured rule; without them a GPU is taken.
 */
export async function selectBackend(requested: BackendRequest, networks?: readonly NetworkIR[], options: { verbose?: boolean } = {}): Promise<BackendChoice> {
    const verbose = options.verbose ?? false;
    installFastGradients();
    switch (requested) {
        case 'cpu':
            await activate('cpu');
            return { requested, name: 'cpu', kind: 'cpu', reason: 'asked for (--backend cpu)' };
        case 'wasm': {
            const t = await useWasm();
            return { requested, name: 'wasm', kind: 'wasm', reason: `asked for (--backend wasm); ${describeWasmThreads(t)}`, wasm: t };
        }
        case 'tfjs-node':
        case 'tfjs-node-gpu':
            try {
                await useTfjsNode(requested === 'tfjs-node-gpu', verbose);
            } catch (error) {
                throw new Error(`--backend ${requested}: @tensorflow/${requested} ${loadFailure(error)}; install it with npm, or use --backend wasm`, { cause: error });
            }
            return { requested, name: 'tensorflow', kind: requested, reason: `asked for (--backend ${requested})` };
        case 'webgpu': {
            const found = await findGpuAdapter(true, verbose);
            if (!found.ok) throw new Error(`--backend webgpu: ${found.why}`);
            try {
                await found.install();
            } catch (error) {
                throw new Error(`--backend webgpu: ${message(error)}`, { cause: error });
            }
            await useWebGpu();
            return { requested, name: 'webgpu', kind: 'webgpu', reason: `asked for (--backend webgpu); adapter: ${found.label}` };
        }
        case 'auto': {
            const skipped: string[] = [];
            for (const gpu of [true, false]) {
                const kind = gpu ? 'tfjs-node-gpu' : 'tfjs-node';
                try {
                    await useTfjsNode(gpu, verbose);
                    return { requested, name: 'tensorflow', kind, reason: `auto: @tensorflow/${kind} is installed and loaded` };
                } catch (error) {
                    skipped.push(`${kind}: ${loadFailure(error)}`);
                }
            }
            const found = await findGpuAdapter(false, verbose);
            const rule = networks ? webGpuFaster(networks) : { faster: true, why: 'no model given, so the GPU' };
            if (found.ok && !rule.faster) {
                skipped.push(`webgpu (GPU adapter ${found.label}): ${rule.why}`);
            } else if (found.ok) {
                try {
                    await found.install();
                    await useWebGpu();
                    return { requested, name: 'webgpu', kind: 'webgpu', reason: `auto: GPU adapter ${found.label}; ${rule.why}; skipped ${skipped.join('; ')}` };
                } catch (error) {
                    skipped.push(`webgpu: ${message(error)}`);
                }
            } else {
                skipped.push(`webgpu: ${found.why}`);
            }
            const t = await useWasm();
            return {
                requested,
                name: 'wasm',
                kind: 'wasm',
                reason: `auto: wasm, the fastest that loads here (${skipped.join('; ')}); ${describeWasmThreads(t)}`,
                wasm: t,
            };
        }
    }
}
