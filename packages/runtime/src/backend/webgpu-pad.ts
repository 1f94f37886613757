/**
 * Pad on WebGPU above rank 4. tfjs-backend-webgpu's Pad shader indexes a `vec5`/`vec6`, types that
 * WGSL does not have, so the pipeline is invalid (a rank-6 slice's gradient is such a pad). Here a pad
 * of higher rank is done one padded axis at a time, each as a rank-3 pad of [outer, axis, inner].
 */
import * as tf from '@tensorflow/tfjs';

type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelFunc = KernelConfig['kernelFunc'];
type TensorInfo = ReturnType<KernelFunc> extends infer R ? Exclude<R, unknown[]> : never;
type Backend = { disposeData(id: object): void };

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

function byAxis(pad: KernelFunc, reshape: KernelFunc): KernelFunc {
    return args => {
        const x = args.inputs['x'] as TensorInfo;
        const { paddings, constantValue } = args.attrs as { paddings: [number, number][]; constantValue: number };
        if (x.shape.length <= 4) return pad(args);
        const backend = args.backend as unknown as Backend;
        const run = (f: KernelFunc, input: TensorInfo, attrs: object) => f({ inputs: { x: input }, backend: args.backend, attrs: attrs as never }) as TensorInfo;
        const shape = [...x.shape];
        let current = run(reshape, x, { shape });
        paddings.forEach(([before, after], axis) => {
            if (before === 0 && after === 0) return;
            const flat = run(reshape, current, { shape: [product(shape.slice(0, axis)), shape[axis]!, product(shape.slice(axis + 1))] });
            const padded = run(pad, flat, {
                paddings: [
                    [0, 0],
                    [before, after],
                    [0, 0],
                ],
                constantValue,
            });
            shape[axis] = shape[axis]! + before + after;
            backend.disposeData(current.dataId);
            backend.disposeData(flat.dataId);
            current = run(reshape, padded, { shape });
            backend.disposeData(padded.dataId);
        });
        return current;
    };
}

let installed = false;

/** Replaces the webgpu PadV2 once; a no-op when the webgpu backend package is not loaded. */
export function installPadByAxis(): void {
    const stock = tf.getKernel('PadV2', 'webgpu');
    const reshape = tf.getKernel('Reshape', 'webgpu');
    if (installed || !stock || !reshape) return;
    installed = true;
    tf.unregisterKernel('PadV2', 'webgpu');
    tf.registerKernel({ ...stock, kernelFunc: byAxis(stock.kernelFunc, reshape.kernelFunc) });
}
