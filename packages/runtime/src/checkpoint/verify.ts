/**
 * A checkpoint folder read whole or not at all: every file's SHA-256 against `checkpoint.sha256`,
 * then the manifest's structure (tensors contiguous, lengths = their shapes' products, the byte
 * count of `tensors.bin`), then every value finite. Nothing is returned until all of it holds, so a
 * damaged checkpoint is refused before any weight is used.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CHECKSUMS_FILE, MANIFEST_FILE, TENSORS_FILE, type CheckpointManifest, type TensorGroup } from './checkpoint.js';

/** A checkpoint file that is missing, damaged or inconsistent; `file` is the one to blame. */
export class DamagedCheckpointError extends Error {
    constructor(
        readonly file: string,
        readonly reason: string,
    ) {
        super(`${file}: ${reason}`);
    }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function read(file: string, what: string): Promise<Buffer> {
    try {
        return await readFile(file);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new DamagedCheckpointError(file, code === 'ENOENT' ? `missing; expected ${what}` : `unreadable (${code ?? String(error)})`);
    }
}

/** `sha256sum` lines: `<64 hex>  <name>`; every name once. */
function parseChecksums(file: string, text: string): Map<string, string> {
    const sums = new Map<string, string>();
    const lines = text.split('\n');
    if (lines.pop() !== '') throw new DamagedCheckpointError(file, 'damaged (does not end with a newline: cut short)');
    for (const line of lines) {
        const m = /^([0-9a-f]{64}) {2}([A-Za-z0-9._-]+)$/.exec(line);
        if (!m || sums.has(m[2]!)) throw new DamagedCheckpointError(file, `damaged (line '${line.slice(0, 80)}' is not '<sha256>  <file>')`);
        sums.set(m[2]!, m[1]!);
    }
    for (const name of [MANIFEST_FILE, TENSORS_FILE]) if (!sums.has(name)) throw new DamagedCheckpointError(file, `damaged (no checksum of ${name})`);
    return sums;
}

/** The checksums file's text for the given files' SHA-256 (hex) or bytes. */
export function checksumsText(files: Record<string, Uint8Array | string>): string {
    return Object.entries(files)
        .map(([name, data]) => `${typeof data === 'string' ? data : sha256(data)}  ${name}\n`)
        .join('');
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const GROUPS: TensorGroup[] = ['weights', 'optimizer', 'ema'];

/** The manifest's own consistency and its agreement with the size of `tensors.bin`. */
function checkStructure(file: string, m: CheckpointManifest, bytes: number): void {
    const bad = (reason: string) => new DamagedCheckpointError(file, `inconsistent (${reason})`);
    if (typeof m.model !== 'string' || typeof m.sourceHash !== 'string') throw bad('no model name or source hash');
    if (!isCount(m.step) || !isCount(m.epoch)) throw bad(`step ${String(m.step)} and epoch ${String(m.epoch)} must be whole numbers ≥ 0`);
    if (typeof m.seed !== 'number' || !Number.isFinite(m.seed)) throw bad(`seed ${String(m.seed)} is not a number`);
    if (typeof m.rng !== 'object' || m.rng === null || Object.values(m.rng).some(v => !Number.isSafeInteger(v))) throw bad('rng states must be integers');
    if (!Array.isArray(m.tensors)) throw bad('no tensor list');
    if (typeof m.metadata !== 'object' || m.metadata === null) throw bad('no metadata');
    if (m.optimizer !== undefined && (typeof m.optimizer?.name !== 'string' || !isCount(m.optimizer.iterations))) throw bad('optimizer without a name or step count');
    const names = new Set<string>();
    let offset = 0;
    for (const t of m.tensors) {
        const label = `tensor ${String(t?.name)}`;
        if (typeof t?.name !== 'string' || !GROUPS.includes(t.group)) throw bad(`${label}: no name or an unknown group`);
        if (names.has(`${t.group}/${t.name}`)) throw bad(`${label} appears twice in ${t.group}`);
        names.add(`${t.group}/${t.name}`);
        if (m.version >= 2 && t.dtype !== 'float32') throw bad(`${label}: dtype ${String(t.dtype)}, expected float32`);
        if (!Array.isArray(t.shape) || !t.shape.every(isCount)) throw bad(`${label}: shape ${JSON.stringify(t.shape)} is not a list of sizes`);
        const size = t.shape.reduce((a, b) => a * b, 1);
        if (t.length !== size) throw bad(`${label}: length ${String(t.length)} for shape [${t.shape.join(', ')}], which holds ${size} values`);
        if (t.offset !== offset) throw bad(`${label}: offset ${String(t.offset)}, expected ${offset} (tensors follow each other)`);
        offset += size;
        if (t.group === 'optimizer' && !m.optimizer) throw bad(`${label}: optimizer state without an optimizer`);
    }
    if (m.bytes !== offset * 4) throw bad(`the tensors need ${offset * 4} bytes, the manifest says ${String(m.bytes)}`);
    if (bytes !== m.bytes) throw new DamagedCheckpointError(path.join(path.dirname(file), TENSORS_FILE), `damaged (${bytes} bytes, expected ${m.bytes})`);
}

/** The first non-finite value, by tensor name; undefined when all are finite. */
export function firstNonFinite(m: CheckpointManifest, body: Float32Array): { group: TensorGroup; name: string; count: number } | undefined {
    for (const t of m.tensors) {
        let count = 0;
        for (let i = t.offset; i < t.offset + t.length; i++) if (!Number.isFinite(body[i]!)) count++;
        if (count > 0) return { group: t.group, name: t.name, count };
    }
    return undefined;
}

/** Reads and checks a checkpoint folder; throws DamagedCheckpointError naming the file at fault. */
export async function readWholeCheckpoint(folder: string): Promise<{ manifest: CheckpointManifest; body: Float32Array }> {
    const manifestFile = path.join(folder, MANIFEST_FILE),
        tensorsFile = path.join(folder, TENSORS_FILE),
        sumsFile = path.join(folder, CHECKSUMS_FILE);
    const manifestBytes = await read(manifestFile, 'the checkpoint manifest');
    const sumsBytes = await readFile(sumsFile).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw new DamagedCheckpointError(sumsFile, `unreadable (${error.code ?? String(error)})`);
        return undefined;
    });
    const sums = sumsBytes && parseChecksums(sumsFile, sumsBytes.toString('utf8'));
    if (sums && sha256(manifestBytes) !== sums.get(MANIFEST_FILE)) throw new DamagedCheckpointError(manifestFile, `damaged (its SHA-256 is not the one in ${CHECKSUMS_FILE})`);
    let manifest: CheckpointManifest;
    try {
        manifest = JSON.parse(manifestBytes.toString('utf8')) as CheckpointManifest;
    } catch (error) {
        throw new DamagedCheckpointError(manifestFile, `not a readable checkpoint manifest (${(error as Error).message})`);
    }
    if (manifest?.format !== 'gm-checkpoint' || (manifest.version !== 1 && manifest.version !== 2))
        throw new DamagedCheckpointError(manifestFile, `not a gm checkpoint (format ${String(manifest?.format)}, version ${String(manifest?.version)})`);
    // Version 1 had no checksums file; from version 2 on a missing one is damage, not age.
    if (!sums && manifest.version !== 1) throw new DamagedCheckpointError(sumsFile, `missing; expected the SHA-256 of ${MANIFEST_FILE} and ${TENSORS_FILE}`);
    const bytes = await read(tensorsFile, `the checkpoint's ${String(manifest.bytes)} bytes of tensors`);
    const expected = sums?.get(TENSORS_FILE) ?? manifest.sha256;
    if (sha256(bytes) !== expected) throw new DamagedCheckpointError(tensorsFile, `damaged (${bytes.length} bytes whose SHA-256 is not ${String(expected).slice(0, 12)}…)`);
    checkStructure(manifestFile, manifest, bytes.length);
    const body = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const nonFinite = firstNonFinite(manifest, body);
    if (nonFinite) throw new DamagedCheckpointError(tensorsFile, `holds ${nonFinite.count} non-finite values in ${nonFinite.group} ${nonFinite.name}`);
    return { manifest, body };
}
