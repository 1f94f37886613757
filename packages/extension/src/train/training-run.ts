import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { EventLineParser, type TrainEvent } from './events.js';
import { processStartTime } from './process-identity.js';

/** What `run.json` in a run folder records, so that a reloaded window can find the run again. */
export interface RunRecord {
    id: string;
    file: string;
    model: string;
    /** This run's folder: run.json, events.jsonl, stderr.log. */
    runDir: string;
    /** Where the runtime writes checkpoints and sample grids (--out): the run folder, or when
     * resuming, the folder of the run it continues. */
    out: string;
    pid: number;
    /** The process's start time as the system records it (processStartTime): with the pid, it names this one process. */
    startTime?: string;
    command: string;
    args: string[];
    startedAt: string;
    /** The run this one resumes, and the step of the checkpoint it starts from. */
    previous?: { runDir: string; step: number };
}

export interface TrainingRunEvents {
    event: [TrainEvent];
    log: [string];
    exit: [{ code: number | null; signal: string | null }];
}

const POLL_MS = 150;

/**
 * One `gm train` process. It runs detached with its stdout and stderr going to files in the run
 * folder, never through the extension host: a window reload does not kill it, and the dashboard
 * that comes back re-reads the files from the start and keeps following them.
 */
export class TrainingRun extends EventEmitter<TrainingRunEvents> {
    readonly events: TrainEvent[] = [];
    private offsets = { out: 0, err: 0 };
    private decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
    /** The last lines of text the process wrote (not events), for saying why it failed. */
    readonly recentLog: string[] = [];
    private parser = new EventLineParser(
        e => {
            this.events.push(e);
            this.emit('event', e);
        },
        line => this.logLine(line),
    );
    private errParser = new EventLineParser(
        () => undefined,
        line => this.logLine(line),
    );
    private timer: NodeJS.Timeout | undefined;
    private exited: { code: number | null; signal: string | null } | undefined;
    /** Started by this process: its exit arrives through the child handle (a zombie still looks alive). */
    private owned = false;
    /** The handle of a process this window started: signals go through it, never to a pid read from a file. */
    private child: ChildProcess | undefined;

    private constructor(readonly record: RunRecord) {
        super();
    }

    get running(): boolean {
        return this.exited === undefined;
    }
    get exitStatus(): { code: number | null; signal: string | null } | undefined {
        return this.exited;
    }
    get eventsFile(): string {
        return path.join(this.record.runDir, 'events.jsonl');
    }
    get logFile(): string {
        return path.join(this.record.runDir, 'stderr.log');
    }

    /** Starts `command args` in a new run folder `runDir` (created here). */
    static start(opts: {
        id: string;
        file: string;
        model: string;
        runDir: string;
        out?: string;
        command: string;
        args: string[];
        env: Record<string, string>;
        cwd: string;
        previous?: RunRecord['previous'];
    }): TrainingRun {
        fs.mkdirSync(opts.runDir, { recursive: true });
        const out = fs.openSync(path.join(opts.runDir, 'events.jsonl'), 'w');
        const err = fs.openSync(path.join(opts.runDir, 'stderr.log'), 'w');
        const child = spawn(opts.command, opts.args, { cwd: opts.cwd, detached: true, stdio: ['ignore', out, err], env: { ...process.env, ...opts.env } });
        fs.closeSync(out);
        fs.closeSync(err);
        const record: RunRecord = {
            id: opts.id,
            file: opts.file,
            model: opts.model,
            runDir: opts.runDir,
            out: opts.out ?? opts.runDir,
            pid: child.pid ?? -1,
            ...(child.pid ? { startTime: processStartTime(child.pid) } : {}),
            command: opts.command,
            args: opts.args,
            startedAt: new Date().toISOString(),
            ...(opts.previous ? { previous: opts.previous } : {}),
        };
        fs.writeFileSync(path.join(opts.runDir, 'run.json'), JSON.stringify(record, null, 2));
        const run = new TrainingRun(record);
        run.owned = true;
        run.child = child;
        child.on('error', error => {
            run.logLine(`could not start ${opts.command}: ${error.message}`);
            run.finish({ code: null, signal: null });
        });
        child.on('exit', (code, signal) => {
            fs.writeFileSync(path.join(opts.runDir, 'exit.json'), JSON.stringify({ code, signal }));
            // Read what the process wrote last before saying it ended.
            setTimeout(() => {
                run.poll();
                run.finish({ code, signal });
            }, POLL_MS);
        });
        child.unref();
        run.follow();
        return run;
    }

    /** Follows a run started by an earlier window, from its folder; undefined when there is none. */
    static attach(runDir: string): TrainingRun | undefined {
        let record: RunRecord;
        try {
            record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
        } catch {
            return undefined;
        }
        const run = new TrainingRun(record);
        run.follow();
        return run;
    }

    /**
     * Asks the process to stop: SIGINT lets the runtime write a checkpoint and a `done` event; SIGKILL
     * after `graceMs`, to the run's process group, so that a process gm started (the Python of
     * `--backend torch`) does not outlive it. Only this run's own process is signalled: through the
     * child handle when this window started it, else only while the pid in run.json still has the
     * start time recorded there. Returns why nothing was signalled, if so.
     */
    stop(graceMs = 15_000): string | undefined {
        if (!this.running) return undefined;
        const child = this.child;
        if (child) {
            const alive = () => child.exitCode === null && child.signalCode === null;
            if (!alive()) return undefined;
            child.kill('SIGINT');
            setTimeout(() => {
                if (alive()) killGroup(child.pid!, () => child.kill('SIGKILL'));
            }, graceMs).unref();
            return undefined;
        }
        if (!this.isOwnProcess()) {
            return (
                `not signalling process ${this.record.pid}: it is not this run's training process ` +
                `(${this.record.startTime ? 'its start time differs from the one in run.json' : 'run.json records no start time to check it by'})`
            );
        }
        try {
            process.kill(this.record.pid, 'SIGINT');
        } catch {
            return undefined;
        }
        setTimeout(() => {
            if (this.running && this.isOwnProcess())
                killGroup(this.record.pid, () => {
                    try {
                        process.kill(this.record.pid, 'SIGKILL');
                    } catch {
                        /* gone */
                    }
                });
        }, graceMs).unref();
        return undefined;
    }

    /** The pid in run.json is still the process that was started for this run. */
    private isOwnProcess(): boolean {
        return this.record.startTime !== undefined && processStartTime(this.record.pid) === this.record.startTime;
    }

    /** The last checkpoint the run wrote. */
    get lastCheckpoint(): string | undefined {
        for (let i = this.events.length - 1; i >= 0; i--) {
            const e = this.events[i]!;
            if (e.event === 'checkpoint') return e.path;
        }
        return undefined;
    }

    dispose(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        this.removeAllListeners();
    }

    private follow(): void {
        this.poll();
        this.timer = setInterval(() => {
            this.poll();
            // Attached to a run of an earlier window: it ended when its process is gone.
            // A run.json without a start time (an older extension) can only be followed by its pid.
            const alive = this.record.startTime !== undefined ? this.isOwnProcess() : isAlive(this.record.pid);
            if (this.running && !alive && !this.owned) {
                this.poll();
                let exit = { code: null as number | null, signal: null as string | null };
                try {
                    exit = JSON.parse(fs.readFileSync(path.join(this.record.runDir, 'exit.json'), 'utf8'));
                } catch {
                    /* killed with the window */
                }
                this.finish(exit);
            }
        }, POLL_MS);
    }

    private logLine(line: string): void {
        this.recentLog.push(line);
        if (this.recentLog.length > 20) this.recentLog.shift();
        this.emit('log', line);
    }

    private poll(): void {
        this.readNew(this.eventsFile, 'out', this.parser);
        this.readNew(this.logFile, 'err', this.errParser);
    }

    private readNew(file: string, which: 'out' | 'err', parser: EventLineParser): void {
        let size: number;
        try {
            size = fs.statSync(file).size;
        } catch {
            return;
        }
        if (size <= this.offsets[which]) return;
        const fd = fs.openSync(file, 'r');
        try {
            const buffer = Buffer.alloc(size - this.offsets[which]);
            const read = fs.readSync(fd, buffer, 0, buffer.length, this.offsets[which]);
            this.offsets[which] += read;
            parser.push(this.decoders[which].write(buffer.subarray(0, read)));
        } finally {
            fs.closeSync(fd);
        }
    }

    private finish(exit: { code: number | null; signal: string | null }): void {
        if (this.exited) return;
        this.parser.end();
        this.errParser.end();
        this.exited = exit;
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        this.emit('exit', exit);
    }
}

/** SIGKILL to the group that `pid` leads (a run starts detached, so it leads its own); `alone` when there is none. */
function killGroup(pid: number, alone: () => void): void {
    try {
        process.kill(-pid, 'SIGKILL');
    } catch {
        alone();
    }
}

function isAlive(pid: number): boolean {
    if (pid <= 0) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
}
