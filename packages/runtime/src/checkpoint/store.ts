/**
 * Checkpoints in an output folder, written atomically. A checkpoint is a folder `step-000001234`
 * with `checkpoint.json`, `tensors.bin` and `checkpoint.sha256` (the SHA-256 of both, written
 * last). It is written under a temporary name (`.tmp-…`),
 * flushed, renamed into place, and only then named by `latest` (replaced by a rename too). A kill
 * at any moment therefore leaves `latest` naming a whole checkpoint; a half-written temporary
 * folder is never read, and the next save removes it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { CHECKSUMS_FILE, LATEST_FILE, MANIFEST_FILE, TENSORS_FILE, type Checkpoint, type CheckpointManifest, type TensorGroup } from './checkpoint.js';
import type { NamedArray } from './named-array.js';
import { checksumsText, DamagedCheckpointError, readWholeCheckpoint } from './verify.js';

/** Weights or optimizer state that hold NaN or ±Infinity: never written, the run stops instead. */
export class NonFiniteStateError extends Error {
    constructor(
        readonly step: number,
        readonly group: TensorGroup,
        readonly tensor: string,
        readonly count: number,
    ) {
        const what = group === 'weights' ? 'the weight' : group === 'ema' ? 'the EMA weight' : 'the optimizer state';
        super(`after step ${step} ${what} ${tensor} holds ${count} non-finite values; training stopped without saving them`);
    }
}

/** How many checkpoints an output folder keeps by default (the newest). */
export const DEFAULT_KEEP = 3;

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
            let nonFinite = 0;
            for (const v of a.values) if (!Number.isFinite(v)) nonFinite++;
            if (nonFinite > 0) throw new NonFiniteStateError(checkpoint.step, group, a.name, nonFinite);
            tensors.push({ group, name: a.name, shape: [...a.shape], dtype: 'float32', offset: total, length: a.values.length });
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
        version: 2 as const,
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
    /** Complete checkpoints to keep (the newest, default 3); older ones are removed after the new one is in place. */
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
    const manifestBytes = Buffer.from(JSON.stringify(full, null, 1), 'utf8');
    writeDurably(path.join(temp, TENSORS_FILE), body);
    writeDurably(path.join(temp, MANIFEST_FILE), manifestBytes);
    writeDurably(path.join(temp, CHECKSUMS_FILE), checksumsText({ [MANIFEST_FILE]: manifestBytes, [TENSORS_FILE]: sha256 }));
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
    await cleanUp(outDir, name, Math.max(1, options.keep ?? DEFAULT_KEEP));
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
    const text = await readFile(latest, 'utf8');
    // Exactly what saveCheckpoint writes: a folder name and a newline (which a cut may have taken).
    const name = /^(step-\d+)\n?$/.exec(text)?.[1] ?? text.trim();
    const folder = path.join(target, name);
    if (!/^(step-\d+)\n?$/.test(text) || !existsSync(path.join(folder, MANIFEST_FILE))) {
        throw new DamagedCheckpointError(latest, `names ${JSON.stringify(name.slice(0, 40))}, which is not a complete checkpoint` + (await insteadHint(target, undefined)));
    }
    return folder;
}

/** The checkpoint folders of an output folder, newest first. */
async function checkpointFolders(outDir: string): Promise<string[]> {
    const entries = await readdir(outDir).catch(() => [] as string[]);
    return entries
        .filter(e => /^step-\d+$/.test(e))
        .sort()
        .reverse()
        .map(e => path.join(outDir, e));
}

/** The newest checkpoint in `outDir` that reads whole (other than `except`, and of a step before `before`), with its step. */
export async function newestWholeCheckpoint(outDir: string, options: { except?: string; before?: number } = {}): Promise<{ folder: string; step: number } | undefined> {
    for (const folder of await checkpointFolders(outDir)) {
        if (options.except && path.resolve(folder) === path.resolve(options.except)) continue;
        try {
            const step = (await readWholeCheckpoint(folder)).manifest.step;
            if (options.before === undefined || step < options.before) return { folder, step };
        } catch {
            // damaged too: try the one before
        }
    }
    return undefined;
}

/** What to do instead of loading a damaged checkpoint: the newest whole one beside it, if any. */
async function insteadHint(outDir: string, damaged: string | undefined): Promise<string> {
    const other = await newestWholeCheckpoint(outDir, damaged ? { except: damaged } : {});
    if (!other) return `; no whole checkpoint is left in ${outDir}: train anew`;
    return `; the newest whole checkpoint is ${other.folder} (step ${other.step}): resume from it with --checkpoint ${other.folder}`;
}

function unpack(manifest: CheckpointManifest, body: Float32Array, group: TensorGroup): NamedArray[] {
    return manifest.tensors.filter(t => t.group === group).map(t => ({ name: t.name, shape: t.shape, values: body.slice(t.offset, t.offset + t.length) }));
}

/**
 * Loads the checkpoint in `target` (a checkpoint folder, or an output folder with `latest`), whole
 * or not at all: a damaged one is refused, naming the file and the checkpoint to use instead.
 */
export async function loadCheckpoint(target: string): Promise<Checkpoint> {
    const folder = await findCheckpoint(target);
    if (!folder) throw new Error(`${target}: no checkpoint here (expected ${MANIFEST_FILE}, or a '${LATEST_FILE}' file naming a checkpoint folder)`);
    let whole: Awaited<ReturnType<typeof readWholeCheckpoint>>;
    try {
        whole = await readWholeCheckpoint(folder);
    } catch (error) {
        if (!(error instanceof DamagedCheckpointError)) throw error;
        throw new DamagedCheckpointError(error.file, error.reason + (await insteadHint(path.dirname(folder), folder)));
    }
    const { manifest, body } = whole;
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
