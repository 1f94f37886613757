/**
 * WebGPU device errors are never silent. Dawn reports an invalid pipeline or a failed allocation
 * through the device's `uncapturederror` event and then drops the command buffer: training would go
 * on with wrong numbers. The first validation or out-of-memory error (or a lost device) is kept here,
 * and from then on every WebGPU program run and every read from the GPU throws it, so the step that
 * hit it fails and the run stops with a message that names the kernel.
 */
import * as tf from '@tensorflow/tfjs';

export class WebGpuDeviceError extends Error {
    constructor(
        readonly kernel: string,
        readonly kind: string,
        readonly detail: string,
    ) {
        super(
            `WebGPU ${kind} error in kernel ${kernel} on the webgpu backend: ${detail}. ` +
                'The GPU dropped that work, so results would be wrong; training stopped. Use --backend wasm.',
        );
        this.name = 'WebGpuDeviceError';
    }
}

interface GpuErrorEvent {
    error?: { message?: string; constructor?: { name?: string } };
}
interface Device {
    addEventListener(type: 'uncapturederror', listener: (e: GpuErrorEvent) => void): void;
    lost?: Promise<{ reason?: string; message?: string }>;
}
interface WebGpuBackend {
    device: Device;
    runWebGPUProgram(...args: unknown[]): unknown;
    read(dataId: object): Promise<unknown>;
}

let first: WebGpuDeviceError | undefined;
/** The program being recorded, if any: Dawn reports its errors synchronously, inside that call. */
let running: string | undefined;
const guarded = new WeakSet<object>();

/** The kernel a Dawn message is about: the label tfjs gives each pipeline and shader (its program class). */
export function kernelFromMessage(message: string): string {
    const label = /"+([A-Za-z_][A-Za-z0-9_]*)"+/.exec(message);
    return label ? label[1]! : 'unknown (the GPU object was unlabeled)';
}

function record(kind: string, message: string, kernel?: string): void {
    if (first) return;
    const detail = message.split('\n')[0]!.trim().replace(/\.+$/, '');
    first = new WebGpuDeviceError(kernel ?? 'unknown (the GPU object was unlabeled)', kind, detail);
}

/** Throws the first device error, if any (also called between steps). */
export function throwIfDeviceError(): void {
    if (first) throw first;
}

/** Forgets a recorded error; only for tests that plant one on purpose. */
export function clearDeviceErrorForTest(): void {
    first = undefined;
}

/**
 * Watches the active webgpu backend's device: records errors, and makes program runs and reads
 * throw once one happened. Dawn calls the handler synchronously inside the failing call (pipeline
 * creation, submit), so the check after each program run names the kernel that caused it.
 */
export function guardWebGpuDevice(): void {
    const backend = tf.backend() as unknown as WebGpuBackend;
    if (guarded.has(backend) || !backend.device) return;
    guarded.add(backend);
    backend.device.addEventListener('uncapturederror', e => {
        const name = e.error?.constructor?.name ?? '';
        const kind = /OutOfMemory/.test(name) ? 'out-of-memory' : /Internal/.test(name) ? 'internal' : 'validation';
        const message = e.error?.message ?? String(e.error);
        record(kind, message, running ?? (/"[A-Za-z_]/.test(message) ? kernelFromMessage(message) : undefined));
    });
    void backend.device.lost?.then(info => {
        // destroy() at exit is not a failure.
        if (info.reason !== 'destroyed') record('device-lost', info.message ?? 'the device was lost');
    });
    const run = backend.runWebGPUProgram.bind(backend);
    backend.runWebGPUProgram = (...args: unknown[]) => {
        throwIfDeviceError();
        running = (args[0] as { constructor?: { name?: string } })?.constructor?.name;
        try {
            const out = run(...args);
            throwIfDeviceError();
            return out;
        } finally {
            running = undefined;
        }
    };
    const read = backend.read.bind(backend);
    backend.read = async (dataId: object) => {
        throwIfDeviceError();
        const values = await read(dataId);
        throwIfDeviceError();
        return values;
    };
}
