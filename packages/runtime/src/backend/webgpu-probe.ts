/**
 * Asks Dawn (the optional package `webgpu`) for its adapters in a child process. Dawn, the Vulkan
 * loader and Mesa print their warnings straight to file descriptor 2 ("vkCreateInstance: Found no
 * drivers", "XDG_RUNTIME_DIR is invalid", …), which Node cannot redirect in-process; in a child
 * they are captured, shown only with --verbose, and a machine without a usable GPU never loads Dawn
 * in the gm process at all.
 */
import { spawn } from 'node:child_process';

/** Flags for `create` of Dawn (e.g. `backend=opengles`) and the options of `requestAdapter`. */
export interface DawnCandidate {
    /** In words, for messages: 'default (Vulkan, Metal, D3D12)', 'OpenGL ES'. */
    name: string;
    flags: string[];
    options?: Record<string, unknown>;
}

export interface AdapterInfo {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
}

export interface CandidateResult {
    candidate: DawnCandidate;
    /** The adapter found, or undefined when none (then `error` may say why). */
    adapter?: AdapterInfo;
    error?: string;
}

export interface ProbeResult {
    results: CandidateResult[];
    /** What Dawn and the drivers printed on stderr while probing. */
    stderr: string;
}

// Runs as an ES module in the child: argv is [dawn module URL, candidates as JSON]. Dawn instances
// keep the event loop alive, hence the explicit exit.
const CHILD = `
const [url, json] = process.argv.slice(1);
const { create, globals } = await import(url);
Object.assign(globalThis, globals);
const results = [];
for (const candidate of JSON.parse(json)) {
    try {
        const adapter = await create(candidate.flags).requestAdapter(candidate.options);
        const info = adapter?.info ?? {};
        results.push(adapter ? { candidate, adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description } } : { candidate });
    } catch (error) {
        results.push({ candidate, error: String(error?.message ?? error).split('\\n')[0] });
    }
}
process.stdout.write(JSON.stringify(results));
process.exit(0);
`;

/** The adapter's name as gm prints it. */
export function adapterLabel(info: AdapterInfo): string {
    return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** The URL of Dawn's module, or undefined when the optional package is not installed. */
export function dawnModule(): string | undefined {
    try {
        return import.meta.resolve('webgpu');
    } catch {
        return undefined;
    }
}

/** Requests an adapter of each candidate in a child Node process; never throws (a failed child is an error per candidate). */
export function probeDawn(dawn: string, candidates: DawnCandidate[], timeoutMs = 60_000): Promise<ProbeResult> {
    return new Promise(resolve => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dawn, JSON.stringify(candidates)], {
            stdio: ['ignore', 'pipe', 'pipe'],
            // Mesa's EGL without a display: the OpenGL ES candidate needs no window system.
            env: { ...process.env, EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless' },
            timeout: timeoutMs,
        });
        let stdout = '',
            stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        const failed = (why: string) => resolve({ results: candidates.map(candidate => ({ candidate, error: why })), stderr });
        child.on('error', error => failed(`could not start the probe (${error.message})`));
        child.on('close', (code, signal) => {
            try {
                resolve({ results: JSON.parse(stdout) as CandidateResult[], stderr });
            } catch {
                failed(signal ? `the probe was ended by ${signal}` : `the probe exited with code ${code}`);
            }
        });
    });
}
