import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { imageGeometry, writeImageGrid, writeTrajectoryStrip } from '../src/image/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gm-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(file: string): PNG {
    return PNG.sync.read(readFileSync(file));
}

function rgbAt(png: PNG, x: number, y: number): number[] {
    const at = (y * png.width + x) * 4;
    return Array.from(png.data.subarray(at, at + 4));
}

describe('image geometry', () => {
    it('draws flat squares, [C, H, W] and [H, W, C]', () => {
        expect(imageGeometry([784])).toEqual({ height: 28, width: 28, channels: 1, channelsFirst: true });
        expect(imageGeometry([1, 28, 28])).toMatchObject({ height: 28, width: 28, channels: 1 });
        expect(imageGeometry([3, 8, 6])).toEqual({ height: 8, width: 6, channels: 3, channelsFirst: true });
        expect(imageGeometry([8, 6, 3])).toEqual({ height: 8, width: 6, channels: 3, channelsFirst: false });
        expect(() => imageGeometry([20])).toThrow(/not a square/);
    });
});

describe('PNG grid', () => {
    it('lays out N images in rows, maps [lo, hi] to black..white and clips outside values', () => {
        // 5 images of 2×3 pixels in [−1, 1]; pixel j of image i is −1 + (i + j) / 4, clipped above 1.
        const n = 5;
        const values = new Float32Array(n * 6);
        for (let i = 0; i < n; i++) for (let j = 0; j < 6; j++) values[i * 6 + j] = -1 + (i + j) / 4;
        const file = writeImageGrid(path.join(dir, 'sub', 'grid.png'), { values, shape: [n, 1, 2, 3] }, { range: [-1, 1], padding: 1 });
        const png = read(file);
        // 3 columns (ceil √5), 2 rows; cells of 3×2 with 1 pixel of padding.
        expect([png.width, png.height]).toEqual([3 * 4 + 1, 2 * 3 + 1]);
        expect(rgbAt(png, 0, 0)).toEqual([128, 128, 128, 255]);
        const expectPixel = (i: number, y: number, x: number) => {
            const col = i % 3;
            const row = Math.floor(i / 3);
            const v = Math.min(1, Math.max(0, (values[i * 6 + y * 3 + x] + 1) / 2));
            const g = Math.round(255 * v);
            expect(rgbAt(png, 1 + col * 4 + x, 1 + row * 3 + y)).toEqual([g, g, g, 255]);
        };
        for (let i = 0; i < n; i++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) expectPixel(i, y, x);
        expect(rgbAt(png, 1, 1)).toEqual([0, 0, 0, 255]); // image 0, pixel 0 = −1 → black
        // No temporary file is left next to the grid.
        expect(readdirSync(path.join(dir, 'sub'))).toEqual(['grid.png']);
    });

    it('draws colour images in channel-first layout', () => {
        const values = new Float32Array([1, 0, 0]); // one red 1×1 pixel, channels first
        const file = writeImageGrid(path.join(dir, 'rgb.png'), { values, shape: [1, 3, 1, 1] }, { range: [0, 1], padding: 0 });
        expect(rgbAt(read(file), 0, 0)).toEqual([255, 0, 0, 255]);
    });

    it('rejects a value count that does not match the shape', () => {
        expect(() => writeImageGrid(path.join(dir, 'x.png'), { values: new Float32Array(10), shape: [2, 784] }, { range: [0, 1] })).toThrow(/10 values for shape \[2, 784\]/);
    });
});

describe('trajectory strip', () => {
    it('puts one sample per row and one step per column', () => {
        // 3 frames of 2 samples of 2×2; frame k of sample i is constant (k + i) / 4.
        const frames = [0, 1, 2].map(k => ({ values: Float32Array.from({ length: 8 }, (_, p) => (k + Math.floor(p / 4)) / 4), shape: [2, 4] }));
        const png = read(writeTrajectoryStrip(path.join(dir, 'strip.png'), frames, { range: [0, 1], padding: 1 }));
        expect([png.width, png.height]).toEqual([3 * 3 + 1, 2 * 3 + 1]);
        for (let k = 0; k < 3; k++) {
            for (let i = 0; i < 2; i++) {
                const g = Math.round((255 * (k + i)) / 4);
                expect(rgbAt(png, 1 + k * 3 + 1, 1 + i * 3 + 1)).toEqual([g, g, g, 255]);
            }
        }
    });

    it('rejects frames of different shapes', () => {
        const a = { values: new Float32Array(8), shape: [2, 4] };
        const b = { values: new Float32Array(4), shape: [1, 4] };
        expect(() => writeTrajectoryStrip(path.join(dir, 's.png'), [a, b], { range: [0, 1] })).toThrow(/frame 1 has shape \[1, 4\]/);
    });
});
