/**
 * Whether this machine can run the WebGPU tests. Only a machine without the optional packages or
 * without any OpenGL ES / Vulkan driver truly cannot (then the reason is returned); a machine that has
 * Mesa but finds no adapter is broken, and the test fails with Dawn's message.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { selectBackend, type BackendChoice } from '../../src/backend/index.js';

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
const hasDriver = () => process.platform !== 'linux' || LIB_DIRS.some(d => existsSync(path.join(d, 'libEGL.so.1')) || existsSync(path.join(d, 'libvulkan.so.1')));

export async function webgpuOrWhyNot(): Promise<{ ok: true; choice: BackendChoice } | { ok: false; why: string }> {
    try {
        return { ok: true, choice: await selectBackend('webgpu') };
    } catch (error) {
        const message = (error as Error).message;
        if (/no WebGPU in this Node|the optional package/.test(message)) return { ok: false, why: message };
        if (/found no GPU adapter|no Vulkan loader/.test(message) && !hasDriver()) return { ok: false, why: `${message}; this machine has neither libEGL nor libvulkan` };
        throw new Error(`WebGPU should run on this machine (Mesa's OpenGL ES or a GPU driver is installed) but: ${message}`, { cause: error });
    }
}
