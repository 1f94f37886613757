/**
 * The bundle as the .vsix ships it: the language server from out/server.cjs answering LSP over
 * stdio (diagnostics, hover, gm/modelGraph), and the model graph it returns laid out by the same
 * ELK code the graph webview runs.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import ELK from 'elkjs/lib/elk.bundled.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { ModelGraphRequest, type ModelGraphResult } from '@gm/language/protocol';
import { labelParts, layoutModelGraph, type Drawing } from '../src/webviews/graph-layout.js';

const HERE = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(HERE, '../..');
let out: string;
let server: ChildProcess;
let connection: MessageConnection;
const diagnostics = new Map<string, unknown[]>();
const waiting = new Map<string, (d: unknown[]) => void>();

const nextDiagnostics = (uri: string) =>
    new Promise<unknown[]>(resolve => {
        const d = diagnostics.get(uri);
        if (d) {
            diagnostics.delete(uri);
            resolve(d);
        } else waiting.set(uri, resolve);
    });

beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-bundle-'));
    execFileSync(process.execPath, [path.join(HERE, 'esbuild.mjs'), '--out', out], { cwd: HERE, stdio: 'inherit' });
    server = spawn(process.execPath, [path.join(out, 'server.cjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
        const w = waiting.get(p.uri);
        if (w) {
            waiting.delete(p.uri);
            w(p.diagnostics);
        } else diagnostics.set(p.uri, p.diagnostics);
    });
    connection.onRequest('workspace/configuration', () => [{}]);
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    return connection
        .sendRequest('initialize', { processId: process.pid, rootUri: null, workspaceFolders: null, capabilities: {} })
        .then(() => connection.sendNotification('initialized', {}));
}, 120_000);

afterAll(async () => {
    try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
    } catch {
        /* gone */
    }
    connection?.dispose();
    server?.kill();
    if (out) fs.rmSync(out, { recursive: true, force: true });
});

function open(name: string): string {
    const uri = `file:///virtual/${name}`;
    const text = fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');
    void connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version: 1, text } });
    return uri;
}

function inside(p: { x: number; y: number }, box: { x: number; y: number; width: number; height: number }): boolean {
    return p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height;
}

/** Edges that pass through a node other than their own ends (sampled along the path). */
function crossings(d: Drawing): string[] {
    const found: string[] = [];
    for (const e of d.edges) {
        const m = /M([\d.-]+),([\d.-]+) (?:L([\d.-]+),([\d.-]+)|Q([\d.-]+),([\d.-]+) ([\d.-]+),([\d.-]+))/.exec(e.d)!;
        const p0 = { x: Number(m[1]), y: Number(m[2]) };
        const c = m[3] ? undefined : { x: Number(m[5]), y: Number(m[6]) };
        const p1 = m[3] ? { x: Number(m[3]), y: Number(m[4]) } : { x: Number(m[7]), y: Number(m[8]) };
        for (let t = 0; t <= 1; t += 0.02) {
            const pt = c
                ? { x: (1 - t) ** 2 * p0.x + 2 * (1 - t) * t * c.x + t * t * p1.x, y: (1 - t) ** 2 * p0.y + 2 * (1 - t) * t * c.y + t * t * p1.y }
                : { x: p0.x + t * (p1.x - p0.x), y: p0.y + t * (p1.y - p0.y) };
            const hit = d.nodes.find(n => n.id !== e.from && n.id !== e.to && Math.hypot(pt.x - n.x, pt.y - n.y) < n.r);
            if (hit) {
                found.push(`${e.from}->${e.to} crosses ${hit.id}`);
                break;
            }
        }
    }
    return found;
}

function overlaps(d: Drawing): boolean {
    return d.nodes.some((a, i) => d.nodes.slice(i + 1).some(b => Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r));
}

describe('the bundled extension', () => {
    test('ships the client, the server, the webview scripts and KaTeX fonts', () => {
        for (const f of [
            'extension.js',
            'server.cjs',
            'webviews/dashboard.js',
            'webviews/derivation.js',
            'webviews/graph.js',
            'webviews/uPlot.min.css',
            'katex/katex.min.css',
            'syntaxes/gm.tmLanguage.json',
        ]) {
            expect(fs.existsSync(path.join(out, f)), f).toBe(true);
        }
        const fonts = fs.readdirSync(path.join(out, 'katex/fonts'));
        // Every font the style sheet names in woff2 is there: no request leaves the webview.
        const css = fs.readFileSync(path.join(out, 'katex/katex.min.css'), 'utf8');
        const named = [...css.matchAll(/url\(fonts\/([^)]+\.woff2)\)/g)].map(m => m[1]);
        expect(named.length).toBeGreaterThan(10);
        for (const f of named) expect(fonts).toContain(f);
        // The client needs nothing outside the bundle but the editor's API.
        const client = fs.readFileSync(path.join(out, 'extension.js'), 'utf8');
        const requires = new Set([...client.matchAll(/require\("([^"]+)"\)/g)].map(m => m[1]!).filter(m => !m.startsWith('node:')));
        const builtins = new Set(builtinModules);
        expect([...requires].filter(m => m !== 'vscode' && !builtins.has(m))).toEqual([]);
    });

    test('carries the gm command line, which runs on its own from a folder outside the repository', () => {
        // As the extension runs it (cli-command.ts): out/cli/bin/gm.js under the editor's Node.
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-bundled-cli-'));
        fs.cpSync(path.join(out, 'cli'), copy, { recursive: true });
        for (const f of ['bin/gm.js', 'dist/gm.mjs', 'dist/wasm/tfjs-backend-wasm-simd.wasm', 'dist/data/mnist/train-images-idx3-ubyte.gz', 'dist/data/mnist-small/9.json.gz'])
            expect(fs.existsSync(path.join(copy, f)), f).toBe(true);
        fs.copyFileSync(path.join(ROOT, 'examples/vae.gm'), path.join(copy, 'vae.gm'));
        const checked = spawnSync(process.execPath, [path.join(copy, 'bin/gm.js'), 'check', 'vae.gm'], {
            cwd: copy,
            encoding: 'utf8',
            env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        });
        expect(checked.status).toBe(0);
        expect(checked.stdout + checked.stderr).toMatch(/checked 1 file \(1 model\): 0 errors/);
    });

    test('its language server publishes diagnostics and hovers over stdio', async () => {
        const uri = open('vae.gm');
        expect(await nextDiagnostics(uri)).toEqual([]);
        const hover = await connection.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 7 } });
        expect(hover?.contents.value).toContain('model VAE');
    });

    test('the VAE graph: x observed in the plate with z, θ and φ outside, q dashed against p', async () => {
        const uri = open('vae.gm');
        await nextDiagnostics(uri);
        const result = await connection.sendRequest<ModelGraphResult>(ModelGraphRequest, { uri, model: 'VAE' });
        const graph = result.models[0]!;
        expect(graph.model).toBe('VAE');
        const drawing = await layoutModelGraph(graph, new ELK());
        const node = (id: string) => drawing.nodes.find(n => n.id === id)!;
        expect(node('x').kind).toBe('observed');
        expect(node('z').kind).toBe('latent');
        expect(inside(node('x'), drawing.plate!)).toBe(true);
        expect(inside(node('z'), drawing.plate!)).toBe(true);
        expect(inside(node('θ'), drawing.plate!)).toBe(false);
        expect(inside(node('φ'), drawing.plate!)).toBe(false);
        // The generative direction reads downwards: z above x; φ on the left, θ on the right.
        expect(node('z').y).toBeLessThan(node('x').y);
        expect(node('φ').x).toBeLessThan(drawing.plate!.x);
        expect(node('θ').x).toBeGreaterThan(drawing.plate!.x + drawing.plate!.width);
        expect(overlaps(drawing)).toBe(false);
        expect(crossings(drawing)).toEqual([]);
        const zx = drawing.edges.find(e => e.from === 'z' && e.to === 'x')!;
        const xz = drawing.edges.find(e => e.from === 'x' && e.to === 'z')!;
        expect(zx.kind).toBe('p');
        expect(xz.kind).toBe('q');
        // Both directions are curves and on opposite sides of the line z–x.
        const control = (d: string) => {
            const m = /Q([\d.-]+),([\d.-]+)/.exec(d)!;
            return { x: Number(m[1]), y: Number(m[2]) };
        };
        const side = (p: { x: number; y: number }) => Math.sign((node('x').x - node('z').x) * (p.y - node('z').y) - (node('x').y - node('z').y) * (p.x - node('z').x));
        expect(side(control(zx.d)) * side(control(xz.d))).toBe(-1);
        // Edges start on the border of their source circle.
        const start = /M([\d.-]+),([\d.-]+)/.exec(zx.d)!;
        expect(Math.hypot(Number(start[1]) - node('z').x, Number(start[2]) - node('z').y)).toBeCloseTo(node('z').r + 2, 0);
        expect(drawing.width).toBeGreaterThan(0);
        for (const n of drawing.nodes) {
            expect(n.x).toBeGreaterThan(0);
            expect(n.x).toBeLessThan(drawing.width);
            expect(n.y).toBeLessThan(drawing.height);
        }
        // Each node knows its declaration, for click-to-reveal.
        expect(node('z').range.start.line).toBe(
            fs
                .readFileSync(path.join(ROOT, 'examples/vae.gm'), 'utf8')
                .split('\n')
                .findIndex(l => /latent\s+z/.test(l)),
        );
    });

    test('the DDPM graph is drawn as a chain from left to right, x_T first', async () => {
        const uri = open('ddpm.gm');
        await nextDiagnostics(uri);
        const result = await connection.sendRequest<ModelGraphResult>(ModelGraphRequest, { uri });
        const graph = result.models[0]!;
        expect(graph.chains).toHaveLength(1);

        const drawing = await layoutModelGraph(graph, new ELK());
        const chain = graph.chains[0]!.nodes.map(id => drawing.nodes.find(n => n.id === id)!);
        // chain order x_0, x_{t−1}, x_t, x_T: the generative direction runs x_T → x_0, left to right.
        const xs = chain.map(n => n.x);
        expect(xs[3]).toBeLessThan(xs[2]!);
        expect(xs[2]).toBeLessThan(xs[1]!);
        expect(xs[1]).toBeLessThan(xs[0]!);
        expect(chain[0]!.kind).toBe('observed');
        expect(overlaps(drawing)).toBe(false);
        expect(crossings(drawing)).toEqual([]);
        for (const n of drawing.nodes) {
            expect(n.x - n.r).toBeGreaterThanOrEqual(0);
            expect(n.y - n.r).toBeGreaterThanOrEqual(0);
            expect(n.x).toBeLessThan(drawing.width);
            expect(n.y).toBeLessThan(drawing.height);
        }
        expect(drawing.edges.some(e => e.kind === 'q')).toBe(true);
    });

    test('every example is drawn without overlapping nodes or edges through other nodes', async () => {
        for (const name of fs.readdirSync(path.join(ROOT, 'examples')).filter(f => f.endsWith('.gm'))) {
            const uri = open(name);
            await nextDiagnostics(uri);
            const result = await connection.sendRequest<ModelGraphResult>(ModelGraphRequest, { uri });
            expect(result.models.length, name).toBeGreaterThan(0);
            for (const graph of result.models) {
                const drawing = await layoutModelGraph(graph, new ELK());
                expect(overlaps(drawing), name).toBe(false);
                expect(crossings(drawing), name).toEqual([]);
                expect(drawing.nodes.filter(n => n.kind === 'observed').length, name).toBeGreaterThan(0);
            }
        }
    });
});

describe('graph labels', () => {
    test('subscripts are split off for drawing', () => {
        expect(labelParts('x_T')).toEqual({ base: 'x', sub: 'T' });
        expect(labelParts('x_{t−1}')).toEqual({ base: 'x', sub: 't−1' });
        expect(labelParts('z2')).toEqual({ base: 'z', sub: '2' });
        expect(labelParts('x₀')).toEqual({ base: 'x₀' });
        expect(labelParts('θ')).toEqual({ base: 'θ' });
    });
});
