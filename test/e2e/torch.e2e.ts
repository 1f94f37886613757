/**
 * The PyTorch backend in a real VS Code workbench: with `gm.backend` torch and `gm.pythonPath`,
 * "GM: Train Model" runs the model's PyTorch package through the command line the .vsix carries;
 * the dashboard shows its curves and previews, Stop leaves a whole checkpoint, Resume continues it
 * with PyTorch, and "GM: Sample from Model" draws from that checkpoint with TensorFlow.js. In CI
 * PyTorch must be there (.ci/run installs python3-torch); elsewhere, without it, this says why and
 * is skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadCheckpoint } from '@gm/runtime';
import { torchOrWhyNot } from '../../packages/runtime/test/torch/available.js';
import { e2eFolder, OUT, makeWorkspace, ROOT, runCommand, QUIET_SETTINGS, sampleFromPalette, startWorkbench, trainFromPalette, webviewFrame, type Workbench } from './workbench.js';

const torch = torchOrWhyNot();
let dir: string;
let wb: Workbench;
let page: Page;

interface RunRecord {
    pid: number;
    args: string[];
    out: string;
    runDir: string;
    startedAt: string;
}
interface Event {
    event: string;
    backend?: string;
    resumedFrom?: number;
    step?: number;
}

/** The runs the extension started, oldest first (their run.json), with the events each printed. */
function runs(): Array<RunRecord & { events: Event[] }> {
    const root = path.join(dir, 'runs');
    if (!fs.existsSync(root)) return [];
    return fs
        .readdirSync(root)
        .filter(d => fs.existsSync(path.join(root, d, 'run.json')))
        .map(d => JSON.parse(fs.readFileSync(path.join(root, d, 'run.json'), 'utf8')) as RunRecord)
        .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
        .map(r => ({
            ...r,
            events: fs
                .readFileSync(path.join(r.runDir, 'events.jsonl'), 'utf8')
                .split('\n')
                .filter(l => l.startsWith('{'))
                .map(l => JSON.parse(l) as Event),
        }));
}

/** A process group still has a member: gm's Node process leads it, PyTorch's Python is in it. */
function groupAlive(pid: number): boolean {
    try {
        process.kill(-pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

// The dashboard's page reloads when it starts following a resumed run: look it up each time.
const dashboard = (): Promise<Frame> => webviewFrame(page, '#charts', 10_000);
async function stat(i: number): Promise<string> {
    try {
        return await (await dashboard()).locator('#stats .stat .value').nth(i).innerText({ timeout: 2_000 });
    } catch {
        return '';
    }
}
async function status(): Promise<string> {
    try {
        return (await (await dashboard()).locator('#stats').getAttribute('data-status', { timeout: 2_000 })) ?? '';
    } catch {
        return '';
    }
}
const step = async () => Number((await stat(2)).split('/')[0]);

describe.skipIf(!torch.ok)(`the torch backend in a real VS Code workbench (${torch.ok ? `PyTorch ${torch.version}` : torch.ok === false ? torch.why : ''})`, () => {
    beforeAll(async () => {
        dir = e2eFolder('gm-e2e-torch-');
        const workspace = makeWorkspace(
            dir,
            { 'tiny-vae.gm': path.join(ROOT, 'test/e2e/fixtures/tiny-vae.gm') },
            {
                'gm.backend': 'torch',
                'gm.pythonPath': torch.ok ? torch.python : '',
                'gm.previewInterval': 50,
                'gm.outputDirectory': path.join(dir, 'runs'),
            },
        );
        wb = await startWorkbench(dir, workspace, { ...QUIET_SETTINGS, 'security.workspace.trust.enabled': false });
        page = wb.page;
    });

    afterAll(async () => {
        if (page) await shot('49-torch-final').catch(() => undefined);
        await wb?.close();
        if (wb) fs.writeFileSync(path.join(OUT, 'code-server-torch.log'), wb.serverLog());
        // Runs outlive the editor: end what a failed step left, Python with its gm process (one group per run).
        for (const run of dir ? runs() : []) {
            try {
                process.kill(-run.pid, 'SIGKILL');
            } catch {
                /* already ended */
            }
        }
    });

    test('GM: Train Model trains with PyTorch; the dashboard shows its curves and a preview', async () => {
        const view = await trainFromPalette(page, 'tiny-vae.gm', { onShown: () => shot('40-torch-dashboard') });
        expect(await stat(1), 'the backend the dashboard shows').toBe('torch');
        expect(await view.locator('#stats').getAttribute('title')).toMatch(/^backend: PyTorch /);
        const terms = await view.locator('#charts .chart').evaluateAll(charts => charts.map(c => (c as HTMLElement).dataset.term));
        expect(terms).toEqual(expect.arrayContaining(['loss', 'ell(x)', 'kl(z)']));
        // The preview is a grid the PyTorch run wrote into its output folder.
        const [run] = runs();
        expect(run!.args.slice(run!.args.indexOf('--backend'), run!.args.indexOf('--backend') + 2)).toEqual(['--backend', 'torch']);
        expect(run!.events[0]).toMatchObject({ event: 'start', backend: 'torch' });
        const src = decodeURIComponent((await view.locator('#samples img').first().getAttribute('src')) ?? '');
        expect(src).toContain(path.join(run!.out, 'samples', 'step-'));
        // Progress keeps coming.
        const before = await step();
        await expect.poll(step, { timeout: 30_000 }).toBeGreaterThan(before);
    });

    test('GM: Stop Training stops the PyTorch run with a whole checkpoint', async () => {
        await runCommand(page, 'GM: Stop Training');
        await expect.poll(status, { timeout: 60_000 }).toMatch(/stopped|ended|failed/);
        await shot('41-torch-stopped');
        expect(await status()).toBe('stopped');
        const [run] = runs();
        const checkpointStep = Number((await stat(6)).replace('step ', ''));
        expect(checkpointStep).toBeGreaterThan(0);
        expect(run!.events.at(-1)).toMatchObject({ event: 'done', reason: 'interrupted', step: checkpointStep });
        // Python ended with gm's process, and the checkpoint reads back whole (checksums verified).
        await expect.poll(() => groupAlive(run!.pid), { timeout: 10_000 }).toBe(false);
        expect((await loadCheckpoint(run!.out)).step).toBe(checkpointStep);
    });

    test('GM: Resume Training continues the checkpoint with PyTorch in the same dashboard, and stops again', async () => {
        const checkpointStep = Number((await stat(6)).replace('step ', ''));
        await runCommand(page, 'GM: Resume Training');
        await expect.poll(status, { timeout: 60_000 }).toBe('training');
        await expect.poll(step, { timeout: 120_000 }).toBeGreaterThan(checkpointStep);
        await shot('42-torch-resumed');
        const resumed = runs().at(-1)!;
        expect(runs()).toHaveLength(2);
        expect(resumed.args).toContain('--resume');
        expect(resumed.events[0]).toMatchObject({ event: 'start', backend: 'torch', resumedFrom: checkpointStep });
        expect(await page.locator('.tabs-container .tab', { hasText: 'Training TinyVAE' }).count()).toBe(1);
        await runCommand(page, 'GM: Stop Training');
        await expect.poll(status, { timeout: 60_000 }).toBe('stopped');
        expect(Number((await stat(6)).replace('step ', ''))).toBeGreaterThan(checkpointStep);
    });

    test('GM: Sample from Model draws from the PyTorch checkpoint with TensorFlow.js', async () => {
        const src = await sampleFromPalette(page, await dashboard(), { onSampled: () => shot('43-torch-sampled') });
        expect(decodeURIComponent(src ?? '')).toMatch(/sample-\d+\.png/);
    });
});
