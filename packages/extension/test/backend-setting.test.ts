/**
 * The `gm.backend` setting offers only values the CLI accepts: the manifest's enum is the runtime's
 * TRAIN_BACKENDS (the TensorFlow.js backends and torch), and each value, passed the way the extension
 * passes it (resolveCli, trainArgs, sampleArgs, which samples a torch run with TensorFlow.js), gets
 * past the CLI's option check into backend selection. A value whose optional package (or PyTorch) is
 * missing here may fail to load (exit 1); only a usage error (exit 2) is a rejection.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TRAIN_BACKENDS } from '@gm/runtime';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveCli, sampleArgs, trainArgs, type CliSettings } from '../src/train/cli-command.js';

const HERE = path.resolve(import.meta.dirname, '..');
const ROOT = path.resolve(HERE, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'package.json'), 'utf8'));
const setting = manifest.contributes.configuration.properties['gm.backend'] as { enum: string[]; enumDescriptions: string[]; default: string };
const MODEL = path.join(ROOT, 'examples/vae.gm');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-backend-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI as the extension does: the command line it carries (out/cli, built by `npm run build`) under this Node 22. */
function gm(args: string[]): Promise<{ code: number; output: string }> {
    const settings: CliSettings = {
        cliPath: '',
        nodePath: process.execPath,
        pythonPath: '',
        backend: 'auto',
        previewInterval: 200,
        keepCheckpoints: 3,
        bundledCli: path.join(HERE, 'out/cli/bin/gm.js'),
        execPath: process.execPath,
    };
    const cli = resolveCli(settings);
    return new Promise(resolve => {
        execFile(cli.command, [...cli.args, ...args], { cwd: ROOT, env: { ...process.env, ...cli.env } }, (error, stdout, stderr) => {
            resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
        });
    });
}

// Resume with no checkpoint, sample from a missing one: both fail only after the backend was chosen.
const train = (backend: string) => gm(trainArgs(MODEL, 'VAE', fs.mkdtempSync(path.join(tmp, 'run-')), { backend, previewInterval: 200, keepCheckpoints: 2 }, true));
const sample = (backend: string) => gm(sampleArgs(MODEL, 'VAE', path.join(tmp, 'no-checkpoint'), path.join(tmp, 'grid.png'), backend));

describe('the gm.backend setting', () => {
    test('offers exactly the backends gm train takes, each described, auto by default', () => {
        expect(setting.enum).toEqual([...TRAIN_BACKENDS]);
        expect(setting.enumDescriptions).toHaveLength(setting.enum.length);
        expect(setting.default).toBe('auto');
    });

    test('a value the CLI rejects is a usage error (what the check below rules out)', async () => {
        for (const run of [train, sample]) {
            const { code, output } = await run('tensorflow');
            expect(code).toBe(2);
            expect(output).toContain('--backend is one of');
        }
    });

    test('every value is accepted by gm train --resume and gm sample', async () => {
        // Two at a time: each run loads the model and initializes the backend.
        const jobs = setting.enum.flatMap(
            backend =>
                [
                    ['train', backend],
                    ['sample', backend],
                ] as const,
        );
        const results: Array<{ job: string; code: number; output: string }> = [];
        for (let i = 0; i < jobs.length; i += 2) {
            results.push(
                ...(await Promise.all(
                    jobs
                        .slice(i, i + 2)
                        .map(async ([command, backend]) => ({ job: `${command} --backend ${backend}`, ...(await (command === 'train' ? train : sample)(backend)) })),
                )),
            );
        }
        for (const { job, code, output } of results) {
            expect({ job, code, usage: output.includes('--backend is one of') }).toEqual({ job, code: 1, usage: false });
            // Past option parsing: the missing checkpoint, or this backend cannot start on this machine.
            const backend = job.split(' ').pop()!;
            expect(output, job).toMatch(new RegExp(`no checkpoint|--backend ${backend}: `));
        }
    }, 180_000);
});
