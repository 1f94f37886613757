import type { RawImages, RawSplits } from './raw-dataset.js';

/** Images [start, end) of a set, sharing no memory with it. */
export function sliceImages(images: RawImages, start: number, end: number, source = images.source): RawImages {
    const size = images.imageShape.reduce((a, b) => a * b, 1);
    return {
        source,
        count: end - start,
        imageShape: images.imageShape,
        pixels: images.pixels.slice(start * size, end * size),
        scale: images.scale,
        labels: images.labels?.slice(start, end),
    };
}

/** A deterministic split: the last `testCount` images are the test set. */
export function splitImages(images: RawImages, testCount: number): RawSplits {
    const cut = images.count - testCount;
    if (cut <= 0) throw new Error(`${images.source}: ${images.count} images are too few to hold out ${testCount} for testing`);
    return {
        train: sliceImages(images, 0, cut, `${images.source} (train: images 0–${cut - 1})`),
        test: sliceImages(images, cut, images.count, `${images.source} (test: images ${cut}–${images.count - 1})`),
    };
}
