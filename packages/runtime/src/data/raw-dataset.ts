/** Images as loaded from disk, before split, scaling and binarization. */
export interface RawImages {
    /** Where they came from, for messages. */
    source: string;
    count: number;
    /** Shape of one image as stored: [28, 28]. */
    imageShape: number[];
    /** Pixels in row-major order; a pixel's intensity in [0, 1] is `pixels[i] * scale`. */
    pixels: Uint8Array | Float32Array;
    scale: number;
    labels?: Uint8Array;
}

/** Both splits of a dataset. */
export interface RawSplits {
    train: RawImages;
    test: RawImages;
}
