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
import { installChunkedAddN } from './webgpu-addn.js';
import { installPadByAxis } from './webgpu-pad.js';
import { guardWebGpuDevice } from './webgpu-errors.js';

export const BACKEND_REQUESTS = ['auto', 'wasm', 'cpu', 'webgpu', 'tfjs-node', 'tfjs-node-gpu'] as const;
export type BackendRequest = (typeof BACKEND_REQUESTS)[number];

export interface BackendChoice {
    /** The option the user gave. */
    requested: BackendRequest;
    /** The tfjs backend name now active ('wasm', 'cpu', 'webgpu', 'tensorflow'). */
    name: string;
    /** What was chosen, in the option's words ('wasm', 'tfjs-node-gpu' …). */
    kind: Exclude<BackendRequest, 'auto'>;
    /** Why: that it was asked for, or what `auto` tried and why the others were skipped. */
    reason: string;
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

async function useWasm(): Promise<void> {
    setWasmPaths(wasmBinaryFolder());
    await activate('wasm');
}

/** Imports an optional package that may not be installed; the specifier is a variable so tsc does not resolve it. */
async function importOptional(specifier: string): Promise<unknown> {
    return import(specifier);
}

async function useTfjsNode(gpu: boolean): Promise<void> {
    // Both packages register the 'tensorflow' backend into the shared tfjs-core engine.
    await importOptional(gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    await activate('tensorflow');
}

interface GpuAdapterInfo {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
}

/** Software rasterizers that expose a WebGPU adapter but are slower than wasm (BENCHMARKS.md, "WebGPU"). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

type Gpu = { requestAdapter(options?: object): Promise<unknown> };

const VULKAN_LOADER_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

function vulkanLoaderPresent(): boolean {
    const extra = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
    return [...extra, ...VULKAN_LOADER_DIRS].some(dir => existsSync(path.join(dir, 'libvulkan.so.1')));
}

/**
 * A WebGPU adapter, or why there is none. Under Node, WebGPU needs the optional packages `webgpu`
 * (Dawn) and `@tensorflow/tfjs-backend-webgpu`. Dawn is tried with its default backend (Vulkan,
 * Metal, D3D12), then through OpenGL ES in compatibility mode (works with stock Mesa, surfaceless).
 * tfjs asks for an adapter without options, so `navigator.gpu` is replaced by one that adds the
 * options that found this adapter. Software renderers are refused unless `allowSoftware`.
 */
async function findGpuAdapter(allowSoftware: boolean): Promise<{ ok: true; label: string } | { ok: false; why: string }> {
    const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
    const candidates: { gpu: Gpu; options?: object }[] = [];
    if (nav?.gpu) candidates.push({ gpu: nav.gpu });
    else {
        let dawn: { create(flags: string[]): Gpu; globals?: object };
        try {
            dawn = (await importOptional('webgpu')) as typeof dawn;
        } catch {
            return { ok: false, why: 'no WebGPU in this Node (the optional package `webgpu` is not installed)' };
        }
        if (dawn.globals) Object.assign(globalThis, dawn.globals);
        // Without a Vulkan loader Dawn only prints a warning on Linux; do not probe (auto stays quiet).
        if (process.platform !== 'linux' || vulkanLoaderPresent()) candidates.push({ gpu: dawn.create([]) });
        // OpenGL ES is Mesa's software rasterizer on machines without a GPU: tried when asked for only.
        if (allowSoftware) {
            process.env.EGL_PLATFORM ??= 'surfaceless';
            candidates.push({ gpu: dawn.create(['backend=opengles']), options: { featureLevel: 'compatibility' } });
        }
        if (candidates.length === 0) return { ok: false, why: 'no Vulkan loader (libvulkan.so.1), so no GPU for WebGPU' };
    }
    let found: { gpu: Gpu; options?: object; info: GpuAdapterInfo } | undefined;
    for (const c of candidates) {
        const adapter = (await c.gpu.requestAdapter(c.options).catch(() => null)) as { info?: GpuAdapterInfo } | null;
        if (adapter) {
            found = { ...c, info: adapter.info ?? {} };
            break;
        }
    }
    if (!found) return { ok: false, why: 'WebGPU found no GPU adapter' };
    const { vendor, architecture, device, description } = found.info;
    const label = [vendor, architecture, device, description].filter(Boolean).join(' ') || 'unnamed adapter';
    if (!allowSoftware && SOFTWARE_ADAPTER.test(label)) {
        return { ok: false, why: `the only WebGPU adapter is a software renderer (${label})` };
    }
    const { gpu, options } = found;
    const wrapped: Gpu = new Proxy(gpu, {
        get: (target, key) =>
            key === 'requestAdapter' ? async (o?: object) => withAdapterBindingLimits(await target.requestAdapter({ ...o, ...options })) : Reflect.get(target, key),
    });
    Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu: wrapped }, configurable: true, writable: true });
    try {
        await importOptional('@tensorflow/tfjs-backend-webgpu');
    } catch {
        return { ok: false, why: 'the optional package @tensorflow/tfjs-backend-webgpu is not installed' };
    }
    return { ok: true, label };
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
export async function selectBackend(requested: BackendRequest, networks?: readonly NetworkIR[]): Promise<BackendChoice> {
    installFastGradients();
    switch (requested) {
        case 'cpu':
            await activate('cpu');
            return { requested, name: 'cpu', kind: 'cpu', reason: 'asked for (--backend cpu)' };
        case 'wasm':
            await useWasm();
            return { requested, name: 'wasm', kind: 'wasm', reason: 'asked for (--backend wasm)' };
        case 'tfjs-node':
        case 'tfjs-node-gpu':
            try {
                await useTfjsNode(requested === 'tfjs-node-gpu');
            } catch (error) {
                throw new Error(`--backend ${requested}: cannot load @tensorflow/${requested} (${message(error)}); install it with npm, or use --backend wasm`, { cause: error });
            }
            return { requested, name: 'tensorflow', kind: requested, reason: `asked for (--backend ${requested})` };
        case 'webgpu': {
            const found = await findGpuAdapter(true);
            if (!found.ok) throw new Error(`--backend webgpu: ${found.why}`);
            await useWebGpu();
            return { requested, name: 'webgpu', kind: 'webgpu', reason: `asked for (--backend webgpu); adapter: ${found.label}` };
        }
        case 'auto': {
            const skipped: string[] = [];
            for (const gpu of [true, false]) {
                const kind = gpu ? 'tfjs-node-gpu' : 'tfjs-node';
                try {
                    await useTfjsNode(gpu);
                    return { requested, name: 'tensorflow', kind, reason: `auto: @tensorflow/${kind} is installed and loaded` };
                } catch (error) {
                    skipped.push(`${kind}: not installed or failed to load (${message(error)})`);
                }
            }
            const found = await findGpuAdapter(false);
            const rule = networks ? webGpuFaster(networks) : { faster: true, why: 'no model given, so the GPU' };
            if (found.ok && !rule.faster) {
                skipped.push(`webgpu (GPU adapter ${found.label}): ${rule.why}`);
            } else if (found.ok) {
                try {
                    await useWebGpu();
                    return { requested, name: 'webgpu', kind: 'webgpu', reason: `auto: GPU adapter ${found.label}; ${rule.why}; skipped ${skipped.join('; ')}` };
                } catch (error) {
                    skipped.push(`webgpu: ${message(error)}`);
                }
            } else {
                skipped.push(`webgpu: ${found.why}`);
            }
            await useWasm();
            return { requested, name: 'wasm', kind: 'wasm', reason: `auto: wasm, the fastest that loads here (${skipped.join('; ')})` };
        }
    }
}
