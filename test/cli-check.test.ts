import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');
const run = promisify(execFile);

/** Runs the real `gm` executable with this process's Node (22, from the repository). */
async function gm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await run(process.execPath, [GM, ...args], { cwd: ROOT });
        return { code: 0, stdout, stderr };
    } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
}

describe('gm check', () => {
    test('every example checks clean', async () => {
        const examples = fs
            .readdirSync(path.join(ROOT, 'examples'))
            .filter(f => f.endsWith('.gm'))
            .map(f => `examples/${f}`);
        const { code, stdout, stderr } = await gm('check', ...examples);
        expect(stdout).toBe('');
        expect(stderr).toMatch(new RegExp(`checked ${examples.length} files \\(${examples.length} models\\): 0 errors, 0 warnings`));
        expect(code).toBe(0);
    });

    test('prints file:line:col: severity: message and exits 1 on an error', async () => {
        const { code, stdout } = await gm('check', 'test/corpus/syntax/unknown-network.gm', 'examples/vae.gm');
        expect(stdout).toBe("test/corpus/syntax/unknown-network.gm:8:32: error: unknown name 'decodr'; did you mean 'decoder'?\n");
        expect(code).toBe(1);
    });

    test('a missing file is a usage error', async () => {
        const { code, stderr } = await gm('check', 'examples/nope.gm');
        expect(stderr).toMatch(/^gm check: examples\/nope\.gm: no such file\n\nusage: gm check FILE…/);
        expect(code).toBe(2);
    });

    test('no file is a usage error', async () => {
        const { code, stderr } = await gm('check');
        expect(stderr).toMatch(/^gm check: needs at least one FILE\n\nusage: gm check FILE…/);
        expect(code).toBe(2);
    });
});
