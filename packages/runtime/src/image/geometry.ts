/** How a flat example is drawn: height, width and channels of one image. */
export interface ImageGeometry {
    height: number;
    width: number;
    channels: 1 | 3;
    /** Channel-first storage ([C, H, W]) rather than channel-last ([H, W, C]). */
    channelsFirst: boolean;
}

/**
 * Geometry of examples of shape `shape` (without the batch axis): [D] with D a square (784 → 28×28),
 * [H, W], [C, H, W] with C ∈ {1, 3} (the models' layout), or [H, W, C].
 */
export function imageGeometry(shape: number[]): ImageGeometry {
    if (shape.length === 1) {
        const side = Math.round(Math.sqrt(shape[0]));
        if (side * side === shape[0]) return { height: side, width: side, channels: 1, channelsFirst: true };
        if (shape[0] % 3 === 0) {
            const s = Math.round(Math.sqrt(shape[0] / 3));
            if (3 * s * s === shape[0]) return { height: s, width: s, channels: 3, channelsFirst: true };
        }
        throw new Error(`cannot draw examples of shape [${shape[0]}] as images: ${shape[0]} is not a square number of pixels`);
    }
    if (shape.length === 2) return { height: shape[0], width: shape[1], channels: 1, channelsFirst: true };
    if (shape.length === 3) {
        if (shape[0] === 1 || shape[0] === 3) return { height: shape[1], width: shape[2], channels: shape[0] as 1 | 3, channelsFirst: true };
        if (shape[2] === 1 || shape[2] === 3) return { height: shape[0], width: shape[1], channels: shape[2] as 1 | 3, channelsFirst: false };
    }
    throw new Error(`cannot draw examples of shape [${shape.join(', ')}] as images (expected [D], [H, W], [C, H, W] or [H, W, C] with C = 1 or 3)`);
}
