/**
 * AddN on WebGPU within the device's binding limits.
 *
 * tfjs-backend-webgpu's AddN binds one storage buffer per input plus one for the output. WebGPU caps
 * storage buffers per shader stage (`maxStorageBuffersPerShaderStage`, 8 by default), so summing the
 * gradients of a tensor with more consumers than that (the U-Net's time embedding) makes an invalid
 * pipeline, and Dawn silently drops the whole command buffer. Here the inputs are summed in chunks that
 * fit, then the partial sums, with the stock kernel. (Concat already splits its inputs this way.)
 */
import * as tf from '@tensorflow/tfjs';

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelFunc = KernelConfig['kernelFunc'];
type TensorInfo = NonNullable<Parameters<KernelFunc>[0]['inputs'][string]>;
type Backend = { device: { limits: { maxStorageBuffersPerShaderStage: number } }; disposeData(id: object): void };

let stock: KernelConfig | undefined;

/** The kernel tfjs registered, before the override (a test plants it back to see the failure). */
export function stockAddN(): KernelConfig | undefined {
    return stock ?? tf.getKernel('AddN', 'webgpu');
}

function chunkedAddN(original: KernelFunc): KernelFunc {
    const sum = (inputs: TensorInfo[], backend: Backend, attrs: object): TensorInfo => {
        // One binding is the output.
        const most = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
        if (inputs.length <= most) return original({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend: backend as never, attrs: attrs as never }) as TensorInfo;
        const partial: TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += most) partial.push(sum(inputs.slice(i, i + most), backend, attrs));
        const result = sum(partial, backend, attrs);
        for (const p of partial) backend.disposeData(p.dataId);
        return result;
    };
    // The engine passes AddN's inputs as an array-like map '0'…'n-1'.
    return ({ inputs, backend, attrs }) => sum(Object.values(inputs) as TensorInfo[], backend as unknown as Backend, attrs ?? {});
}

/** Replaces the webgpu AddN once; a no-op when the webgpu backend package is not loaded. */
export function installChunkedAddN(): void {
    if (stock) return;
    const found = tf.getKernel('AddN', 'webgpu');
    if (!found) return;
    stock = found;
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel({ ...found, kernelFunc: chunkedAddN(found.kernelFunc) });
}
