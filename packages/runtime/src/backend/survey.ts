/**
 * What this machine offers for each `--backend`, for `gm doctor`: whether it loads, and if not why.
 * WebGPU is probed in a child process (webgpu-probe.ts) for every Dawn candidate, so that each GPU
 * adapter is listed and the drivers' warnings stay out of the output.
 */
import {
    BACKEND_REQUESTS,
    DAWN_DEFAULT,
    DAWN_OPENGLES,
    describeWasmThreads,
    importOptional,
    isSoftwareAdapter,
    loadFailure,
    selectBackend,
    vulkanLoaderPresent,
    wasmBinaryFolder,
    type BackendChoice,
    type BackendRequest,
} from './select-backend.js';
import { adapterLabel, dawnModule, probeDawn } from './webgpu-probe.js';

export interface BackendStatus {
    backend: Exclude<BackendRequest, 'auto'>;
    loads: boolean;
    /** What loaded (binaries, adapter) or why it does not. */
    detail: string;
    /** wasm: the threads it runs with here. */
    threads?: number;
}

export interface AdapterStatus {
    /** The Dawn backend asked: 'Vulkan/Metal/D3D12', 'OpenGL ES'. */
    via: string;
    /** The adapter, or undefined when none. */
    adapter?: string;
    software?: boolean;
    /** Why there is none. */
    why?: string;
}

export interface BackendSurvey {
    backends: BackendStatus[];
    adapters: AdapterStatus[];
    /** What `--backend auto` takes on this machine, and why. */
    auto: string;
    /** What Dawn and the drivers printed while probing (shown with --verbose). */
    probeOutput: string;
}

async function tryLoad(load: () => Promise<unknown>): Promise<string | undefined> {
    try {
        await load();
        return undefined;
    } catch (error) {
        return loadFailure(error);
    }
}

async function surveyWebGpu(): Promise<{ status: Omit<BackendStatus, 'backend'>; adapters: AdapterStatus[]; probeOutput: string }> {
    const dawn = dawnModule();
    if (!dawn) return { status: { loads: false, detail: 'the optional package `webgpu` (Dawn) is not installed' }, adapters: [], probeOutput: '' };
    const loader = process.platform !== 'linux' || vulkanLoaderPresent();
    const candidates = loader ? [DAWN_DEFAULT, DAWN_OPENGLES] : [DAWN_OPENGLES];
    const probe = await probeDawn(dawn, candidates);
    const adapters: AdapterStatus[] = [
        ...(loader ? [] : [{ via: DAWN_DEFAULT.name, why: 'not tried, no Vulkan loader (libvulkan.so.1)' }]),
        ...probe.results.map(r => {
            if (!r.adapter) return { via: r.candidate.name, why: r.error ?? 'no adapter' };
            const label = adapterLabel(r.adapter);
            return { via: r.candidate.name, adapter: label, software: isSoftwareAdapter(label) };
        }),
    ];
    const tfjsWebGpu = await tryLoad(async () => import.meta.resolve('@tensorflow/tfjs-backend-webgpu'));
    const hardware = adapters.find(a => a.adapter && !a.software);
    const software = adapters.find(a => a.adapter && a.software);
    const status: Omit<BackendStatus, 'backend'> = tfjsWebGpu
        ? { loads: false, detail: `@tensorflow/tfjs-backend-webgpu ${tfjsWebGpu}` }
        : hardware
          ? { loads: true, detail: `GPU adapter ${hardware.adapter} (${hardware.via})` }
          : software
            ? { loads: true, detail: `only a software renderer, ${software.adapter} (${software.via}): taken when asked for, never by auto` }
            : { loads: false, detail: 'no GPU adapter' };
    return { status, adapters, probeOutput: probe.stderr };
}

export async function surveyBackends(): Promise<BackendSurvey> {
    let wasmChoice: BackendChoice | undefined;
    const wasm = await tryLoad(async () => (wasmChoice = await selectBackend('wasm')));
    const node = await tryLoad(() => importOptional('@tensorflow/tfjs-node'));
    const nodeGpu = await tryLoad(() => importOptional('@tensorflow/tfjs-node-gpu'));
    const webgpu = await surveyWebGpu();
    // Typed by BACKEND_REQUESTS: a backend added there does not compile until it is surveyed here.
    const status: Record<BackendStatus['backend'], Omit<BackendStatus, 'backend'>> = {
        wasm: {
            loads: !wasm,
            detail: wasm ?? `WebAssembly binaries in ${wasmBinaryFolder()}; ${describeWasmThreads(wasmChoice!.wasm!)}`,
            ...(wasmChoice?.wasm ? { threads: wasmChoice.wasm.threads } : {}),
        },
        cpu: { loads: true, detail: 'plain JavaScript (slow; for comparison)' },
        webgpu: webgpu.status,
        'tfjs-node': { loads: !node, detail: node ? `@tensorflow/tfjs-node ${node}` : 'native TensorFlow on the CPU' },
        'tfjs-node-gpu': { loads: !nodeGpu, detail: nodeGpu ? `@tensorflow/tfjs-node-gpu ${nodeGpu}` : 'native TensorFlow with CUDA' },
    };
    const backends = BACKEND_REQUESTS.filter(b => b !== 'auto').map(backend => ({ backend, ...status[backend] }));
    const hardware = webgpu.adapters.some(a => a.adapter && !a.software) && webgpu.status.loads;
    const auto = !nodeGpu
        ? 'tfjs-node-gpu (installed and loaded)'
        : !node
          ? 'tfjs-node (installed and loaded)'
          : hardware
            ? "webgpu or wasm, whichever the model's networks run faster on (the measured rule of auto-rule.ts)"
            : 'wasm (no tfjs-node, no hardware GPU adapter)';
    return { backends, adapters: webgpu.adapters, auto, probeOutput: webgpu.probeOutput };
}
