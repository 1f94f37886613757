/**
 * `gm train --backend webgpu` as a process: it exits by itself when done, and SIGTERM stops it with a
 * checkpoint (Dawn's device must not keep the process alive). WebGPU here is Mesa's software renderer.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test, type TestContext } from 'vitest';
import { webgpuOrWhyNot } from '../packages/runtime/test/webgpu/available.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GM = path.join(ROOT, 'packages', 'runtime', 'bin', 'gm.js');

interface Event {
    event: string;
    step?: number;
    reason?: string;
    backend?: string;
}

/** Runs gm train with JSON events; `onEvent` may signal the child. Resolves with the exit code and events. */
function train(args: string[], onEvent: (e: Event, child: ReturnType<typeof spawn>) => void = () => {}): Promise<{ code: number | null; signal: string | null; events: Event[] }> {
    const child = spawn(process.execPath, [GM, 'train', ...args, '--json', '--backend', 'webgpu'], { cwd: ROOT });
    const events: Event[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        // Dawn prints its own lines to stdout; the events are the JSON ones.
        for (const line of lines.filter(l => l.startsWith('{'))) {
            const event = JSON.parse(line) as Event;
            events.push(event);
            onEvent(event, child);
        }
    });
    return new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal, events })));
}

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `gm-${name}-`));

/** Skips the test (ctx.skip throws), saying why, where WebGPU cannot run on this machine. */
async function skipWithoutWebgpu(ctx: TestContext): Promise<void> {
    const gpu = await webgpuOrWhyNot();
    if (!gpu.ok) {
        console.warn(`WebGPU cannot run on this machine: ${gpu.why}`);
        ctx.skip();
    }
}

describe('gm train on WebGPU', () => {
    test('exits by itself after the last step', async ctx => {
        await skipWithoutWebgpu(ctx);
        const { code, events } = await train(['examples/vae.gm', '--steps', '3', '--batch', '16', '--out', tmp('webgpu-exit')]);
        expect(events[0]).toMatchObject({ event: 'start', backend: 'webgpu' });
        expect(events.at(-1)).toMatchObject({ event: 'done', step: 3, reason: 'finished' });
        expect(code).toBe(0);
    }, 180_000);

    test('SIGTERM stops it after the current step, with a checkpoint', async ctx => {
        await skipWithoutWebgpu(ctx);
        let sent = false;
        const { code, events } = await train(['examples/vae.gm', '--steps', '100000', '--batch', '16', '--out', tmp('webgpu-term')], (e, child) => {
            if (e.event === 'progress' && !sent) {
                sent = true;
                child.kill('SIGTERM');
            }
        });
        const done = events.find(e => e.event === 'done')!;
        expect(done.reason).toBe('interrupted');
        expect(events.find(e => e.event === 'checkpoint')!.step).toBe(done.step);
        expect(code).toBe(0);
    }, 180_000);
});
