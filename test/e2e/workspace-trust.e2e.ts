/**
 * The extension in an untrusted workspace (restricted mode): the language features work, and
 * training is refused with a message saying why, without starting a process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { e2eFolder, OUT, makeWorkspace, NODE, openFile, ROOT, runCommand, startWorkbench, type Workbench } from './workbench.js';

let dir: string;
let wb: Workbench;
let page: Page;

beforeAll(async () => {
    dir = e2eFolder('gm-e2e-untrusted-');
    const workspace = makeWorkspace(
        dir,
        { 'vae.gm': path.join(ROOT, 'examples/vae.gm') },
        { 'gm.outputDirectory': path.join(dir, 'runs'), 'gm.nodePath': NODE, 'gm.cliPath': path.join(ROOT, 'packages/runtime/bin/gm.js') },
    );
    wb = await startWorkbench(
        dir,
        workspace,
        {
            'workbench.startupEditor': 'none',
            'security.workspace.trust.enabled': true,
            'security.workspace.trust.startupPrompt': 'never',
            'security.workspace.trust.untrustedFiles': 'open',
            'chat.disableAIFeatures': true,
            'workbench.secondarySideBar.defaultVisibility': 'hidden',
        },
        { workspaceTrust: true },
    );
    page = wb.page;
});

afterAll(async () => {
    await wb?.close();
});

describe('gm in an untrusted workspace', () => {
    test('the workspace is in restricted mode and the language server still runs', async () => {
        await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });
        await openFile(page, 'vae.gm');
        await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 60_000 });
    });

    test('GM: Train Model says why it does not train, and starts nothing', async () => {
        await runCommand(page, 'GM: Train Model');
        const message = page.locator('.notifications-toasts .notification-toast', { hasText: 'not trusted' }).first();
        await message.waitFor({ timeout: 20_000 });
        await page.waitForTimeout(800); // the toast fades in
        await page.screenshot({ path: path.join(OUT, '20-untrusted-train.png') });
        expect(await message.innerText()).toMatch(/starts processes and reads data files/);
        expect(fs.existsSync(path.join(dir, 'runs'))).toBe(false);
        for (const frame of page.frames()) expect(await frame.$('#charts').catch(() => null), 'a training dashboard').toBeNull();
    });
});
