/**
 * The packaged extension on its own, as a user installs it: the .vsix in a clean code-server
 * profile, a workspace that holds nothing but a copy of examples/vae.gm (no checkout, no
 * node_modules, no gm.cliPath or gm.nodePath). "GM: Train Model" runs the command line the .vsix
 * carries under the editor's own Node.js, on the MNIST digits it carries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
    e2eFolder,
    OUT,
    makeWorkspace,
    openFile,
    ROOT,
    runCommand,
    QUIET_SETTINGS,
    sampleFromPalette,
    startWorkbench,
    trainFromPalette,
    webviewFrame,
    type Workbench,
} from './workbench.js';

let dir: string;
let workspace: string;
let wb: Workbench;
let page: Page;

interface RunRecord {
    pid: number;
    command: string;
    args: string[];
    out: string;
}
/** The run folders the extension made (its default gm.outputDirectory, .gm-runs in the workspace). */
const runs = (): RunRecord[] => {
    const root = path.join(workspace, '.gm-runs');
    if (!fs.existsSync(root)) return [];
    return fs
        .readdirSync(root)
        .filter(d => fs.existsSync(path.join(root, d, 'run.json')))
        .map(d => JSON.parse(fs.readFileSync(path.join(root, d, 'run.json'), 'utf8')) as RunRecord);
};

beforeAll(async () => {
    dir = e2eFolder('gm-e2e-standalone-');
    workspace = makeWorkspace(dir, { 'vae.gm': path.join(ROOT, 'examples/vae.gm') });
    wb = await startWorkbench(dir, workspace, {
        ...QUIET_SETTINGS,
        // The one gm setting: a preview grid every 25 steps instead of 200, to keep the test short.
        'gm.previewInterval': 25,
    });
    page = wb.page;
});

afterAll(async () => {
    if (page) await page.screenshot({ path: path.join(OUT, '39-standalone-final.png') }).catch(() => undefined);
    await wb?.close();
    if (wb) fs.writeFileSync(path.join(OUT, 'code-server-standalone.log'), wb.serverLog());
    // Training runs outlive the editor (they survive a reload): end what a failed step left.
    for (const run of workspace ? runs() : []) {
        try {
            process.kill(run.pid, 'SIGKILL');
        } catch {
            /* already ended */
        }
    }
});

/** The grid cells (28×28, 2 pixels of padding) of a PNG written by the runtime, as grey levels. */
function cells(file: string, columns: number): number[][] {
    const png = PNG.sync.read(fs.readFileSync(file));
    const rows = Math.round((png.height - 2) / 30);
    expect(png.width).toBe(columns * 30 + 2);
    const out: number[][] = [];
    for (let r = 0; r < rows; r++) {
        for (let c = 0; c < columns; c++) {
            const cell: number[] = [];
            for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) cell.push(png.data[((2 + r * 30 + y) * png.width + 2 + c * 30 + x) * 4]!);
            out.push(cell);
        }
    }
    return out;
}

describe('the .vsix alone, in a workspace with only vae.gm', () => {
    test('GM: Train Model trains with the bundled command line and the dashboard shows samples and real digits', async () => {
        // Both grids loaded, or the run ended without them (fail fast with its message).
        const dashboard = await trainFromPalette(page, 'vae.gm', {
            grids: ['samples', 'reconstructions'],
            timeout: 150_000,
            onShown: async () => {
                await page.waitForTimeout(500);
                await page.screenshot({ path: path.join(OUT, '30-standalone-dashboard.png') });
            },
        });
        for (const kind of ['samples', 'reconstructions']) {
            const width = await dashboard.locator(`#samples img[data-kind="${kind}"]`).evaluate(img => (img as HTMLImageElement).naturalWidth);
            expect(width, `the ${kind} grid in the dashboard`).toBeGreaterThan(0);
        }

        // The extension ran the command line inside the installed extension, under the editor's Node.
        const [run] = runs();
        expect(run, 'a run folder in .gm-runs').toBeDefined();
        expect(run!.args[0]).toBe(
            path.join(
                fs.realpathSync(path.join(dir, 'extensions')),
                fs.readdirSync(path.join(dir, 'extensions')).find(e => e.startsWith('gm-lang.gm-vscode'))!,
                'out/cli/bin/gm.js',
            ),
        );
        expect(run!.args.slice(1, 3)).toEqual(['train', path.join(workspace, 'vae.gm')]);
        expect(path.basename(run!.command)).toBe('node');

        // The grids it shows: rows of 8 test digits (binarized: only black and white, a few to some tens of percent
        // white, all different) above their reconstructions (grey levels); 64 samples.
        const samples = path.join(run!.out, 'samples');
        const reconstructions = fs.readdirSync(samples).find(f => f.endsWith('-reconstructions.png'));
        expect(reconstructions, 'a reconstructions grid on disk').toBeDefined();
        const grid = cells(path.join(samples, reconstructions!), 8);
        expect(grid).toHaveLength(32);
        const inputs = [...grid.slice(0, 8), ...grid.slice(16, 24)];
        for (const digit of inputs) {
            expect(digit.every(v => v === 0 || v === 255)).toBe(true);
            const white = digit.filter(v => v === 255).length / digit.length;
            expect(white).toBeGreaterThan(0.02);
            expect(white).toBeLessThan(0.5);
        }
        expect(new Set(inputs.map(d => d.join())).size).toBe(16);
        expect([...grid.slice(8, 16), ...grid.slice(24, 32)].some(d => d.some(v => v > 0 && v < 255))).toBe(true);
        const sampleGrid = cells(path.join(samples, 'latest.png'), 8);
        expect(sampleGrid).toHaveLength(64);
    });

    test('GM: Stop Training, then GM: Sample from Model draws from the checkpoint with the bundled command line', async () => {
        await openFile(page, 'vae.gm');
        await runCommand(page, 'GM: Stop Training');
        const dashboard = await webviewFrame(page, '#charts', 10_000);
        await expect.poll(() => dashboard.locator('#stats').getAttribute('data-status'), { timeout: 60_000 }).toBe('stopped');
        await sampleFromPalette(page, dashboard, {
            grid: '#samples img[data-kind="samples"]',
            onSampled: () => page.screenshot({ path: path.join(OUT, '31-standalone-sampled.png') }).then(() => undefined),
        });
        expect(fs.readdirSync(runs()[0]!.out).some(f => /^sample-\d+\.png$/.test(f))).toBe(true);
    });
});
