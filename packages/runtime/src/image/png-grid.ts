/**
 * PNG grids of images (samples, reconstructions) and strips of trajectories (x_T → x_0), written with
 * pngjs. Files are written to a temporary name and renamed, so a reader (the editor) never sees half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { imageGeometry, type ImageGeometry } from './geometry.js';

/** Images as plain data: `values` holds `count` examples of `shape` in row-major order. */
export interface ImageBatch {
    values: ArrayLike<number>;
    /** Shape of the whole batch: [N, ...example shape]. */
    shape: number[];
}

export interface GridOptions {
    /** The value range of the data: `lo` is drawn black, `hi` white; values outside are clipped. */
    range: [number, number];
    /** Images per row (default: the smallest square that holds them all). */
    columns?: number;
    /** Pixels between images. */
    padding?: number;
}

/** A grid layout of `count` cells of the given geometry, then the RGBA canvas. */
class Canvas {
    readonly png: PNG;
    constructor(
        readonly geometry: ImageGeometry,
        readonly rows: number,
        readonly columns: number,
        readonly padding: number,
    ) {
        const { height, width } = geometry;
        this.png = new PNG({ width: columns * (width + padding) + padding, height: rows * (height + padding) + padding });
        // Padding is mid gray so that black or white image borders stay visible.
        this.png.data.fill(128);
        for (let i = 3; i < this.png.data.length; i += 4) this.png.data[i] = 255;
    }

    /** Draws example `index` of `values` (example size = h·w·c) into cell (row, column). */
    draw(values: ArrayLike<number>, index: number, row: number, column: number, range: [number, number]): void {
        const { height, width, channels, channelsFirst } = this.geometry;
        const size = height * width * channels;
        const [lo, hi] = range;
        const base = index * size;
        const x0 = this.padding + column * (width + this.padding);
        const y0 = this.padding + row * (height + this.padding);
        for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
                const at = ((y0 + y) * this.png.width + x0 + x) * 4;
                for (let c = 0; c < 3; c++) {
                    const channel = channels === 1 ? 0 : c;
                    const offset = channelsFirst ? channel * height * width + y * width + x : (y * width + x) * channels + channel;
                    const v = (values[base + offset] - lo) / (hi - lo);
                    this.png.data[at + c] = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
                }
                this.png.data[at + 3] = 255;
            }
        }
    }

    write(file: string): string {
        const target = path.resolve(file);
        mkdirSync(path.dirname(target), { recursive: true });
        const temp = `${target}.${process.pid}.tmp`;
        writeFileSync(temp, PNG.sync.write(this.png));
        renameSync(temp, target);
        return target;
    }
}

function check(batch: ImageBatch, what: string): { count: number; geometry: ImageGeometry } {
    const [count, ...shape] = batch.shape;
    const geometry = imageGeometry(shape);
    const expected = count * geometry.height * geometry.width * geometry.channels;
    if (batch.values.length !== expected) throw new Error(`${what}: ${batch.values.length} values for shape [${batch.shape.join(', ')}]`);
    if (count === 0) throw new Error(`${what}: no images to draw`);
    return { count, geometry };
}

/** Writes `batch` as a grid PNG to `file`; returns the absolute path. */
export function writeImageGrid(file: string, batch: ImageBatch, options: GridOptions): string {
    const { count, geometry } = check(batch, 'image grid');
    const columns = options.columns ?? Math.ceil(Math.sqrt(count));
    const rows = Math.ceil(count / columns);
    const canvas = new Canvas(geometry, rows, columns, options.padding ?? 2);
    for (let i = 0; i < count; i++) canvas.draw(batch.values, i, Math.floor(i / columns), i % columns, options.range);
    return canvas.write(file);
}

/**
 * Writes trajectories as a strip: one row per sample, one column per recorded step (x_T on the left,
 * x_0 on the right). `frames[k]` holds all samples at step k, shape [N, ...example shape].
 */
export function writeTrajectoryStrip(file: string, frames: ImageBatch[], options: Omit<GridOptions, 'columns'>): string {
    if (frames.length === 0) throw new Error('trajectory strip: no frames');
    const first = check(frames[0], 'trajectory frame 0');
    frames.forEach((f, k) => {
        const { count } = check(f, `trajectory frame ${k}`);
        if (count !== first.count || f.shape.join() !== frames[0].shape.join())
            throw new Error(`trajectory frame ${k} has shape [${f.shape.join(', ')}], frame 0 has [${frames[0].shape.join(', ')}]`);
    });
    const canvas = new Canvas(first.geometry, first.count, frames.length, options.padding ?? 2);
    frames.forEach((f, k) => {
        for (let i = 0; i < first.count; i++) canvas.draw(f.values, i, i, k, options.range);
    });
    return canvas.write(file);
}
