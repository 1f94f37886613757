/**
 * The two scripts behind BENCHMARKS.md's "ceiling of wasm" for the U-Net step run and print what the text
 * quotes: V8's SIMD peak with and without fused multiply-add, whether tfjs's binaries use relaxed SIMD, and the
 * step's convolutions by shape. Figures are not asserted (benchmarks measure, tests check), only their form and
 * that the per-shape table accounts for every Conv2D call of the kernel table.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const node = (script: string, ...args: string[]) =>
    run(process.execPath, [path.join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, GM_WASM_THREADS: '1' }, maxBuffer: 16 << 20 });

describe('the wasm ceiling benches', () => {
    test('bench/wasm-simd-peak.mjs measures both forms of the multiply-add and reads both SIMD binaries of tfjs', async () => {
        const { stdout } = await node('bench/wasm-simd-peak.mjs', '--rounds', '1');
        const rate = (label: string) => Number(new RegExp(`^${label}: +(\\d+\\.\\d) GF/s$`, 'm').exec(stdout)?.[1]);
        expect(rate('f32x4\\.mul \\+ f32x4\\.add')).toBeGreaterThan(0);
        expect(rate('f32x4\\.relaxed_madd')).toBeGreaterThan(0);
        for (const binary of ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
            expect(stdout).toMatch(new RegExp(`^tfjs-backend-wasm \\d+\\.\\d+\\.\\d+ ${binary.replace(/\./g, '\\.')}: relaxed SIMD (used|not used)$`, 'm'));
        }
    }, 60_000);

    test('bench/kernel-profile.mjs --conv-shapes accounts for every convolution of the U-Net step', async () => {
        const { stdout } = await node('bench/kernel-profile.mjs', 'examples/ddpm.gm', '--backend', 'wasm', '--batch', '1', '--conv-shapes');
        const kernelCalls = Number(/^Conv2D +(\d+) /m.exec(stdout)?.[1]);
        const shapeRows = [...stdout.matchAll(/^x \[[\d,]+\], filter \[[\d,]+\], (?:same|valid) +(\d+) +\d+\.\d +\d+\.\d$/gm)];
        expect(kernelCalls).toBeGreaterThan(100);
        expect(shapeRows.reduce((sum, row) => sum + Number(row[1]), 0)).toBe(kernelCalls);
        expect(stdout).toMatch(/^all convolutions: \d+\.\d GFLOP in \d+\.\d\d s, \d+\.\d GF\/s$/m);
    }, 120_000);
});
