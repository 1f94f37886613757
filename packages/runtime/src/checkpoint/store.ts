/**
 * Checkpoints in an output folder, written atomically. A checkpoint is a folder `step-000001234`
 * with `checkpoint.json` and `tensors.bin`. It is written under a temporary name (`.tmp-…`),
 * flushed, renamed into place, and only then named by `latest` (replaced by a rename too). A kill
 * at any moment therefore leaves `latest` naming a whole checkpoint; a half-written temporary
 * folder is never read, and the next save removes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { LATEST_FILE, MANIFEST_FILE, TENSORS_FILE, type Checkpoint, type CheckpointManifest } from './checkpoint.js';
import type { NamedArray } from './named-array.js';

const TEMP_PREFIX = '.tmp-';

export function checkpointFolderName(step: number): string {
    return `step-${String(step).padStart(9, '0')}`;
}

/** Writes `data` to `file` and flushes it to disk before returning. */
function writeDurably(file: string, data: Uint8Array | string): void {
    const fd = openSync(file, 'w');
    try {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        let at = 0;
        while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
}

/** Flushes a folder's entries (the renames in it); not every platform allows opening folders. */
function syncFolder(dir: string): void {
    try {
        const fd = openSync(dir, 'r');
        try {
            fsyncSync(fd);
        } finally {
            closeSync(fd);
        }
    } catch {
        // Windows cannot fsync a folder; the renames are still atomic.
    }
}

function pack(checkpoint: Checkpoint): { manifest: Omit<CheckpointManifest, 'bytes' | 'sha256'>; body: Uint8Array } {
    const groups: [CheckpointManifest['tensors'][number]['group'], NamedArray[]][] = [
        ['weights', checkpoint.weights],
        ['optimizer', checkpoint.optimizer?.slots ?? []],
        ['ema', checkpoint.ema ?? []],
    ];
    const tensors: CheckpointManifest['tensors'] = [];
    let total = 0;
    for (const [group, arrays] of groups) {
        for (const a of arrays) {
            const expected = a.shape.reduce((x, y) => x * y, 1);
            if (a.values.length !== expected) throw new Error(`checkpoint: ${a.name} has ${a.values.length} values for shape [${a.shape.join(', ')}]`);
            tensors.push({ group, name: a.name, shape: a.shape, offset: total, length: a.values.length });
            total += a.values.length;
        }
    }
    const values = new Float32Array(total);
    let at = 0;
    for (const [, arrays] of groups) {
        for (const a of arrays) {
            values.set(a.values, at);
            at += a.values.length;
        }
    }
    const body = new Uint8Array(values.buffer);
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('checkpoints are little-endian; this machine is not');
    const manifest = {
        format: 'gm-checkpoint' as const,
        version: 1 as const,
        model: checkpoint.model,
        sourceHash: checkpoint.sourceHash,
        step: checkpoint.step,
        epoch: checkpoint.epoch,
        seed: checkpoint.seed,
        rng: checkpoint.rng,
        createdAt: new Date().toISOString(),
        tensors,
        optimizer: checkpoint.optimizer && { name: checkpoint.optimizer.name, iterations: checkpoint.optimizer.iterations },
        metadata: checkpoint.metadata,
    };
    return { manifest, body };
}

export interface SaveOptions {
    /** Complete checkpoints to keep (the newest); older ones are removed after the new one is in place. */
    keep?: number;
}

/** Saves a checkpoint into `outDir` atomically; returns the checkpoint folder's path. */
export async function saveCheckpoint(outDir: string, checkpoint: Checkpoint, options: SaveOptions = {}): Promise<string> {
    await mkdir(outDir, { recursive: true });
    const { manifest, body } = pack(checkpoint);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const full: CheckpointManifest = { ...manifest, bytes: body.length, sha256 };
    const name = checkpointFolderName(checkpoint.step);
    const temp = path.join(outDir, `${TEMP_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
    await mkdir(temp);
    writeDurably(path.join(temp, TENSORS_FILE), body);
    writeDurably(path.join(temp, MANIFEST_FILE), JSON.stringify(full, null, 1));
    syncFolder(temp);
    const target = path.join(outDir, name);
    // Saving the same step again (e.g. on Ctrl-C right after a periodic save) replaces it.
    if (existsSync(target)) {
        const old = path.join(outDir, `${TEMP_PREFIX}old-${name}-${randomBytes(4).toString('hex')}`);
        await rename(target, old);
    }
    await rename(temp, target);
    const latestTemp = path.join(outDir, `${TEMP_PREFIX}${LATEST_FILE}-${randomBytes(4).toString('hex')}`);
    writeDurably(latestTemp, name + '\n');
    await rename(latestTemp, path.join(outDir, LATEST_FILE));
    syncFolder(outDir);
    await cleanUp(outDir, name, options.keep ?? 1);
    return target;
}

/** Removes temporary leftovers and all but the newest `keep` checkpoints. */
async function cleanUp(outDir: string, current: string, keep: number): Promise<void> {
    const entries = await readdir(outDir);
    const steps = entries.filter(e => /^step-\d+$/.test(e) && e !== current).sort();
    const stale = [...entries.filter(e => e.startsWith(TEMP_PREFIX)), ...steps.slice(0, Math.max(0, steps.length - (keep - 1)))];
    await Promise.all(stale.map(e => rm(path.join(outDir, e), { recursive: true, force: true })));
}

/**
 * The checkpoint folder that `target` means: `target` itself when it holds a checkpoint, else the
 * one its `latest` file names. Undefined when there is none (a fresh output folder).
 */
export async function findCheckpoint(target: string): Promise<string | undefined> {
    if (existsSync(path.join(target, MANIFEST_FILE))) return target;
    const latest = path.join(target, LATEST_FILE);
    if (!existsSync(latest)) return undefined;
    const name = (await readFile(latest, 'utf8')).trim();
    const folder = path.join(target, name);
    if (!existsSync(path.join(folder, MANIFEST_FILE))) throw new Error(`${latest} names ${name}, which is not a complete checkpoint`);
    return folder;
}

function unpack(manifest: CheckpointManifest, body: Float32Array, group: CheckpointManifest['tensors'][number]['group']): NamedArray[] {
    return manifest.tensors.filter(t => t.group === group).map(t => ({ name: t.name, shape: t.shape, values: body.slice(t.offset, t.offset + t.length) }));
}

/** Loads the checkpoint in `target` (a checkpoint folder, or an output folder with `latest`). */
export async function loadCheckpoint(target: string): Promise<Checkpoint> {
    const folder = await findCheckpoint(target);
    if (!folder) throw new Error(`${target}: no checkpoint here (expected ${MANIFEST_FILE}, or a '${LATEST_FILE}' file naming a checkpoint folder)`);
    const manifestFile = path.join(folder, MANIFEST_FILE);
    let manifest: CheckpointManifest;
    try {
        manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as CheckpointManifest;
    } catch (error) {
        throw new Error(`${manifestFile}: not a readable checkpoint manifest (${(error as Error).message})`, { cause: error });
    }
    if (manifest.format !== 'gm-checkpoint' || manifest.version !== 1)
        throw new Error(`${manifestFile}: not a gm checkpoint (format ${String(manifest.format)}, version ${String(manifest.version)})`);
    const tensorsFile = path.join(folder, TENSORS_FILE);
    const bytes = await readFile(tensorsFile).catch(() => {
        throw new Error(`${tensorsFile}: missing; expected the checkpoint's ${manifest.bytes} bytes of tensors`);
    });
    if (bytes.length !== manifest.bytes || createHash('sha256').update(bytes).digest('hex') !== manifest.sha256) {
        throw new Error(`${tensorsFile}: damaged (${bytes.length} bytes, expected ${manifest.bytes} with SHA-256 ${manifest.sha256.slice(0, 12)}…)`);
    }
    const body = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return {
        model: manifest.model,
        sourceHash: manifest.sourceHash,
        step: manifest.step,
        epoch: manifest.epoch,
        seed: manifest.seed,
        rng: manifest.rng,
        weights: unpack(manifest, body, 'weights'),
        optimizer: manifest.optimizer && { ...manifest.optimizer, slots: unpack(manifest, body, 'optimizer') },
        ema: manifest.tensors.some(t => t.group === 'ema') ? unpack(manifest, body, 'ema') : undefined,
        metadata: manifest.metadata,
    };
}
