import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveCli, sampleArgs, trainArgs, type CliSettings } from '../src/train/cli-command.js';

const base: CliSettings = {
    cliPath: '',
    nodePath: '',
    pythonPath: '',
    backend: 'auto',
    previewInterval: 50,
    keepCheckpoints: 3,
    bundledCli: '/ext/out/cli/bin/gm.js',
    execPath: '/opt/editor/node',
};

describe('the gm command line the extension runs', () => {
    test('without a setting: the bundled command line under the editor runtime told to act as Node, or under gm.nodePath', () => {
        expect(resolveCli(base)).toEqual({ command: '/opt/editor/node', args: ['/ext/out/cli/bin/gm.js'], env: { ELECTRON_RUN_AS_NODE: '1' } });
        expect(resolveCli({ ...base, nodePath: '/n/node' })).toEqual({ command: '/n/node', args: ['/ext/out/cli/bin/gm.js'], env: {} });
    });

    test('gm.cliPath overrides it: a .js entry runs under Node, an executable by itself', () => {
        expect(resolveCli({ ...base, cliPath: '/r/bin/gm.js', nodePath: '/n/node' })).toEqual({ command: '/n/node', args: ['/r/bin/gm.js'], env: {} });
        expect(resolveCli({ ...base, cliPath: '/r/bin/gm.js' })).toEqual({ command: '/opt/editor/node', args: ['/r/bin/gm.js'], env: { ELECTRON_RUN_AS_NODE: '1' } });
        expect(resolveCli({ ...base, cliPath: '/usr/local/bin/gm' })).toEqual({ command: '/usr/local/bin/gm', args: [], env: {} });
        expect(resolveCli({ ...base, cliPath: 'gm' })).toEqual({ command: 'gm', args: [], env: {} });
    });

    test('gm.pythonPath reaches the command line as GM_PYTHON, whichever way it runs', () => {
        expect(resolveCli({ ...base, pythonPath: '/venv/bin/python' }).env).toEqual({ ELECTRON_RUN_AS_NODE: '1', GM_PYTHON: '/venv/bin/python' });
        expect(resolveCli({ ...base, cliPath: '/usr/local/bin/gm', pythonPath: ' /venv/bin/python ' }).env).toEqual({ GM_PYTHON: '/venv/bin/python' });
        expect(resolveCli({ ...base, nodePath: '/n/node', pythonPath: '  ' }).env).toEqual({});
    });

    test('a link to a bin/gm.js (node_modules/.bin/gm) runs what it points to under Node', () => {
        const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-ws-'));
        fs.mkdirSync(path.join(ws, 'node_modules/.bin'), { recursive: true });
        fs.mkdirSync(path.join(ws, 'runtime/bin'), { recursive: true });
        fs.writeFileSync(path.join(ws, 'runtime/bin/gm.js'), '');
        fs.symlinkSync('../../runtime/bin/gm.js', path.join(ws, 'node_modules/.bin/gm'));
        expect(resolveCli({ ...base, cliPath: path.join(ws, 'node_modules/.bin/gm'), nodePath: '/n/node' })).toEqual({
            command: '/n/node',
            args: [fs.realpathSync(path.join(ws, 'runtime/bin/gm.js'))],
            env: {},
        });
    });

    test('train and sample arguments carry the settings', () => {
        expect(trainArgs('/w/a.gm', 'VAE', '/runs/1', { backend: 'wasm', previewInterval: 20, keepCheckpoints: 4 })).toEqual([
            'train',
            '/w/a.gm',
            '--model',
            'VAE',
            '--json',
            '--backend',
            'wasm',
            '--out',
            '/runs/1',
            '--sample-every',
            '20',
            '--keep-checkpoints',
            '4',
        ]);
        expect(trainArgs('/w/a.gm', 'VAE', '/runs/1', { backend: 'auto', previewInterval: 5, keepCheckpoints: 3 }, true).slice(-5)).toEqual([
            '--sample-every',
            '5',
            '--keep-checkpoints',
            '3',
            '--resume',
        ]);
        expect(sampleArgs('/w/a.gm', 'VAE', '/c', '/o.png', 'cpu')).toEqual(['sample', '/w/a.gm', '--model', 'VAE', '--checkpoint', '/c', '--out', '/o.png', '--backend', 'cpu']);
        expect(trainArgs('/w/a.gm', 'VAE', '/runs/1', { backend: 'torch', previewInterval: 5, keepCheckpoints: 3 }).slice(5, 7)).toEqual(['--backend', 'torch']);
        // A PyTorch run's checkpoint is gm's format: TensorFlow.js samples it.
        expect(sampleArgs('/w/a.gm', 'VAE', '/c', '/o.png', 'torch').slice(-2)).toEqual(['--backend', 'auto']);
    });
});
