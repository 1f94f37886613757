/**
 * The extension in a real VS Code workbench: language features through the bundled
 * language server, then training, the derivation and the model graph. Every step saves a
 * screenshot under test-output/e2e/. Nothing is skipped: a missing piece fails its step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
    errorCount,
    goTo,
    e2eFolder,
    OUT,
    makeWorkspace,
    NODE,
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

// GM_E2E_CLI: another gm command line, only for debugging the test itself.
const GM_CLI = process.env.GM_E2E_CLI ?? path.join(ROOT, 'packages/runtime/bin/gm.js');
let dir: string;
let workspace: string;
let wb: Workbench;
let page: Page;
const cspViolations: string[] = [];

async function shot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
}

beforeAll(async () => {
    dir = e2eFolder('gm-e2e-');
    workspace = makeWorkspace(
        dir,
        { 'examples/vae.gm': path.join(ROOT, 'examples/vae.gm'), 'tiny-vae.gm': path.join(ROOT, 'test/e2e/fixtures/tiny-vae.gm') },
        {
            'gm.cliPath': GM_CLI,
            'gm.nodePath': NODE,
            'gm.backend': 'wasm',
            'gm.previewInterval': 10,
            'gm.outputDirectory': path.join(dir, 'runs'),
        },
    );
    wb = await startWorkbench(dir, workspace, {
        ...QUIET_SETTINGS,
        'security.workspace.trust.enabled': false,
        'editor.codeLens': true,
        'editor.hover.delay': 100,
    });
    page = wb.page;
    page.on('console', message => {
        if (/Content[- ]Security[- ]Policy|Refused to (load|apply|execute)/i.test(message.text())) cspViolations.push(message.text());
    });
});

afterAll(async () => {
    if (page) await shot('99-final').catch(() => undefined);
    await wb?.close();
    if (wb) fs.writeFileSync(path.join(OUT, 'code-server.log'), wb.serverLog());
    // Training runs are detached from the editor (they survive a reload): end those a failed step left.
    const runs = dir ? path.join(dir, 'runs') : '';
    for (const entry of runs && fs.existsSync(runs) ? fs.readdirSync(runs) : []) {
        try {
            process.kill(JSON.parse(fs.readFileSync(path.join(runs, entry, 'run.json'), 'utf8')).pid, 'SIGKILL');
        } catch {
            /* already ended */
        }
    }
});

const vaeText = () => fs.readFileSync(path.join(ROOT, 'examples/vae.gm'), 'utf8');

describe('gm in a real VS Code workbench', () => {
    test('opens examples/vae.gm and the language server answers (code lenses above the model)', async () => {
        await openFile(page, 'vae.gm');
        // The lenses above the model come from the language server: they prove it runs.
        await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 60_000 });
        await shot('01-opened');
        expect(await errorCount(page)).toBe(0);
        // The TextMate grammar colours keywords: `model` is not plain text.
        const tokenClasses = await page
            .locator('.monaco-editor .view-line span span', { hasText: /^model$/ })
            .first()
            .getAttribute('class');
        expect(tokenClasses).toMatch(/mtk\d+/);
        expect(tokenClasses).not.toBe('mtk1');
    });

    test('a deliberate mistake gets a diagnostic, and the quick fix removes it', async () => {
        const lines = vaeText().split('\n');
        const prior = lines.findIndex(l => /^\s*p\(z\)\s*=/.test(l));
        const latent = lines.findIndex(l => /^\s*latent\s+z\b/.test(l));
        expect(prior).toBeGreaterThan(latent);
        // Delete the prior p(z): the latent z has no prior, an error with a quick fix.
        await goTo(page, prior + 1, 1);
        await page.keyboard.press('Control+Shift+K');
        await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 30_000 });
        await shot('02-diagnostic');
        try {
            await goTo(page, latent + 1, lines[latent]!.indexOf(' z') + 2);
            await page.keyboard.press('Control+.');
            const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Add the prior' }).first();
            await fix.waitFor({ timeout: 15_000 }).catch(() => {
                throw new Error('no quick fix "Add the prior …" for a latent without a prior');
            });
            await shot('03-quick-fix-menu');
            // The menu blocks pointer events around it: choose the fix with the keyboard.
            for (let i = 0; i < 6 && !(await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label'))?.startsWith('Add the prior'); i++) {
                await page.keyboard.press('ArrowDown');
            }
            await page.keyboard.press('Enter');
            await expect.poll(() => errorCount(page), { timeout: 30_000 }).toBe(0);
            expect(await page.locator('.monaco-editor .view-lines').first().innerText()).toMatch(/p\(z\)\s*=\s*Normal\(0,\s1\)/); // Monaco renders spaces as U+00A0
            await shot('04-fixed');
        } finally {
            // Leave the document without errors for the next steps, whether or not the fix worked.
            await page.keyboard.press('Escape');
            if ((await errorCount(page)) > 0) {
                await page.keyboard.press('Control+Z');
                await expect.poll(() => errorCount(page), { timeout: 30_000 }).toBe(0);
            }
        }
    });

    test('the hover on the model name shows the derived bound', async () => {
        const lines = vaeText().split('\n');
        const line = lines.findIndex(l => /^model VAE/.test(l));
        await goTo(page, line + 1, 'model V'.length);
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover-content').first();
        await hover.waitFor({ timeout: 20_000 });
        await expect.poll(async () => (await hover.innerText()).length, { timeout: 10_000 }).toBeGreaterThan(10);
        await shot('05-hover');
        const text = await hover.innerText();
        expect(text).toContain('VAE');
        expect(text).toMatch(/ELBO/);
        expect(text).toMatch(/KL/);
        await page.keyboard.press('Escape');
    });

    test('GM: Train Model runs a tiny model and the dashboard shows a curve and a sample grid', async () => {
        const dashboard = await trainFromPalette(page, 'tiny-vae.gm', { onShown: () => shot('06-dashboard') });
        expect(await dashboard.locator('#charts .chart canvas').count(), 'loss curves').toBeGreaterThan(0);
        const images = await dashboard.locator('#samples img').count();
        if (images === 0) throw new Error("no sample grid in the dashboard after 120 s: gm train printed no 'sample' event");
        // A newer grid may be replacing the image right now: wait for one to finish loading.
        await expect
            .poll(
                () =>
                    dashboard
                        .locator('#samples img')
                        .first()
                        .evaluate(img => ((img as HTMLImageElement).complete ? (img as HTMLImageElement).naturalWidth : 0)),
                { message: 'the grid image loads', timeout: 15_000 },
            )
            .toBeGreaterThan(0);

        const terms = await dashboard.locator('#charts .chart').evaluateAll(charts => charts.map(c => (c as HTMLElement).dataset.term));
        expect(terms).toContain('loss');
        expect(terms.length).toBeGreaterThan(1); // each term of the bound separately
        await expect.poll(() => dashboard.locator('#stats').getAttribute('data-status')).toBe('training');
        // The status-bar item while it runs.
        await expect(page.locator('.statusbar-item', { hasText: 'GM: TinyVAE' }).first().isVisible()).resolves.toBe(true);
    });

    test('the dashboard survives a window reload and keeps following the run', async () => {
        await runCommand(page, 'Developer: Reload Window');
        await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
        const dashboard = await webviewFrame(page, '#charts .chart canvas', 90_000);
        const step = async () => Number((await dashboard.locator('#stats .stat .value').nth(2).innerText()).split('/')[0]);
        const before = await step();
        await expect.poll(step, { timeout: 60_000 }).toBeGreaterThan(before);
        await shot('07-dashboard-after-reload');
        expect(await dashboard.locator('#stats').getAttribute('data-status')).toBe('training');
        await openFile(page, 'tiny-vae.gm');
    });

    test('GM: Show Derivation renders the steps with KaTeX', async () => {
        await runCommand(page, 'GM: Show Derivation');
        const view = await webviewFrame(page, '#copy', 30_000);
        await view.waitForFunction(() => !document.querySelector('#content')?.textContent?.includes('Asking the language server'), undefined, { timeout: 30_000 });
        // KaTeX's bundled fonts must load (through the webview's CSP): until they do, its glyphs are invisible.
        const fontsLoaded = await view.locator('body').evaluate(async () => {
            await document.fonts.ready;
            return [...document.fonts].filter(f => f.family.includes('KaTeX') && f.status === 'loaded').length;
        });
        await shot('08-derivation');
        expect(fontsLoaded, 'KaTeX fonts loaded in the derivation view').toBeGreaterThan(0);
        const problem = (await view.locator('#content .error').count()) ? await view.locator('#content .error').innerText() : '';
        expect(problem, 'the derivation view reports a problem').toBe('');
        expect(await view.locator('#content .katex').count()).toBeGreaterThan(0);
        expect(await view.locator('#content .step').count()).toBeGreaterThan(0);
    });

    test('GM: Show Model Graph draws the model in plate notation; clicking a node reveals it', async () => {
        await runCommand(page, 'GM: Show Model Graph');
        const view = await webviewFrame(page, 'svg.graph .node', 30_000);
        await shot('09-graph');
        const nodes = await view.locator('svg.graph .node').evaluateAll(ns => ns.map(n => ({ id: n.getAttribute('data-id'), cls: n.getAttribute('class') })));
        expect(nodes.find(n => n.id === 'x')?.cls).toContain('observed');
        expect(nodes.find(n => n.id === 'z')?.cls).toContain('latent');
        expect(await view.locator('svg.graph path.edge.q').count()).toBeGreaterThan(0);
        expect(await view.locator('svg.graph path.edge.p').count()).toBeGreaterThan(0);
        expect(await view.locator('svg.graph .plate rect').count()).toBe(1);
        await view.locator('svg.graph .node[data-id="z"]').click();
        // The editor shows tiny-vae.gm with the declaration of z selected.
        await page.locator('.monaco-editor .selected-text').first().waitFor({ timeout: 15_000 });
        await shot('10-graph-reveal');
    });

    test('GM: Stop Training stops the run and the dashboard says so', async () => {
        await openFile(page, 'tiny-vae.gm');
        await runCommand(page, 'GM: Stop Training');
        const dashboard = await webviewFrame(page, '#charts', 10_000);
        await expect.poll(() => dashboard.locator('#stats').getAttribute('data-status'), { timeout: 60_000 }).toMatch(/stopped|ended/);
        await shot('11-stopped');
        expect(await dashboard.locator('#stats').getAttribute('data-status')).toBe('stopped');
        await expect.poll(() => page.locator('.statusbar-item', { hasText: 'GM: TinyVAE' }).count(), { timeout: 10_000 }).toBe(0);
        expect(await dashboard.locator('#stats .stat .value').nth(6).innerText()).toMatch(/^step \d+$/); // a checkpoint at the stop
    });

    test('GM: Resume Training continues from the last checkpoint in the same dashboard, and stops again', async () => {
        // The dashboard's page reloads when it starts following the new run: look it up each time.
        const dashboard = () => webviewFrame(page, '#charts', 10_000);
        const stat = async (i: number) => {
            try {
                return await (await dashboard()).locator('#stats .stat .value').nth(i).innerText({ timeout: 2_000 });
            } catch {
                return '';
            }
        };
        const status = async () => {
            try {
                return await (await dashboard()).locator('#stats').getAttribute('data-status', { timeout: 2_000 });
            } catch {
                return '';
            }
        };
        const checkpointStep = Number((await stat(6)).replace('step ', ''));
        expect(checkpointStep).toBeGreaterThan(0);
        await runCommand(page, 'GM: Resume Training');
        await expect.poll(status, { timeout: 60_000 }).toBe('training');
        await expect.poll(async () => Number((await stat(2)).split('/')[0]), { timeout: 120_000 }).toBeGreaterThan(checkpointStep);
        await shot('12-resumed');
        // The curves continue those of the stopped run: they start at step 1, not at the checkpoint.
        expect(await (await dashboard()).locator('#charts .chart[data-term="loss"]').getAttribute('data-first-step')).toBe('1');
        expect(await page.locator('.tabs-container .tab', { hasText: 'Training TinyVAE' }).count()).toBe(1);
        await runCommand(page, 'GM: Stop Training');
        await expect.poll(status, { timeout: 60_000 }).toBe('stopped');
    });

    test('GM: Sample from Model puts a grid from the last checkpoint in the dashboard', async () => {
        await sampleFromPalette(page, await webviewFrame(page, '#charts', 10_000), { onSampled: () => shot('13-sampled') });
    });

    test('no webview broke its Content-Security-Policy', () => {
        expect(cspViolations).toEqual([]);
    });
});
