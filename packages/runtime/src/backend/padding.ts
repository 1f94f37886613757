/** Explicit padding of a stride-1 NHWC convolution, as tfjs computes it for 'same' and 'valid'. */

export type Conv2DPad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** [top, bottom, left, right] padding for a filter of size kh × kw at stride 1. */
export function explicitPadding(pad: Conv2DPad, kh: number, kw: number): [number, number, number, number] {
    if (pad === 'valid') return [0, 0, 0, 0];
    if (pad === 'same') {
        // tfjs (like TensorFlow) puts the odd pixel of 'same' padding at the bottom/right.
        const top = Math.floor((kh - 1) / 2);
        const left = Math.floor((kw - 1) / 2);
        return [top, kh - 1 - top, left, kw - 1 - left];
    }
    if (typeof pad === 'number') return [pad, pad, pad, pad];
    return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
}
