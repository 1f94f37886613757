import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLineParser, type TrainEvent } from './events.js';
import type { RunRecord } from './training-run.js';

/** The run folders under an output directory, newest first (by the start time they record). */
export function listRuns(outputDir: string): RunRecord[] {
    let entries: string[];
    try {
        entries = fs.readdirSync(outputDir);
    } catch {
        return [];
    }
    const runs: RunRecord[] = [];
    for (const entry of entries) {
        try {
            runs.push(JSON.parse(fs.readFileSync(path.join(outputDir, entry, 'run.json'), 'utf8')) as RunRecord);
        } catch {
            /* not a run folder */
        }
    }
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** The events a run folder holds so far. */
export function readRunEvents(runDir: string): TrainEvent[] {
    const events: TrainEvent[] = [];
    let text: string;
    try {
        text = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
    } catch {
        return events;
    }
    const parser = new EventLineParser(
        e => events.push(e),
        () => undefined,
    );
    parser.push(text);
    parser.end();
    return events;
}

/** The newest checkpoint of a model in a file, over all its runs, with the run that wrote it. */
export function findLastCheckpoint(outputDir: string, file: string, model: string): { checkpoint: string; step: number; run: RunRecord } | undefined {
    for (const run of listRuns(outputDir)) {
        if (path.resolve(run.file) !== path.resolve(file) || run.model !== model) continue;
        const checkpoints = readRunEvents(run.runDir).filter(e => e.event === 'checkpoint');
        const last = checkpoints[checkpoints.length - 1];
        if (last && last.event === 'checkpoint' && fs.existsSync(last.path)) return { checkpoint: last.path, step: last.step, run };
    }
    return undefined;
}

/** A run folder name: the model and the start time, sortable and safe on every file system. */
export function runFolderName(model: string, date = new Date()): string {
    const stamp = date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z')
        .replace('T', '-');
    return `${model.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The runs a run resumes, newest first, following run.json's `previous` links. */
export function previousRuns(record: RunRecord, maxRuns = 20): Array<{ runDir: string; step: number }> {
    const links: Array<{ runDir: string; step: number }> = [];
    const seen = new Set<string>([record.runDir]);
    let link = record.previous;
    while (link && links.length < maxRuns && !seen.has(link.runDir)) {
        seen.add(link.runDir);
        links.push(link);
        try {
            link = (JSON.parse(fs.readFileSync(path.join(link.runDir, 'run.json'), 'utf8')) as RunRecord).previous;
        } catch {
            link = undefined;
        }
    }
    return links;
}

/**
 * The events of the runs a run resumes, oldest first, each up to the checkpoint it was resumed
 * from: a resumed run's curves continue its predecessors'.
 */
export function previousEvents(record: RunRecord): TrainEvent[] {
    return previousRuns(record)
        .reverse()
        .flatMap(link =>
            readRunEvents(link.runDir).filter(e => (e.event === 'progress' || e.event === 'eval' || e.event === 'sample' || e.event === 'checkpoint') && e.step <= link.step),
        );
}
