/**
 * The events of `gm train --json` (one JSON object per line), typed by the runtime
 * (`@gm/runtime/events`, types only: nothing of the runtime is bundled) and checked here before anything trusts them: the
 * process is another program and its output may be cut off or mixed with other text.
 */
import type { TrainEvent } from '@gm/runtime/events';

export type { TrainEvent, StartEvent, ProgressEvent, EvalEvent, SampleEvent, CheckpointEvent, DoneEvent, ErrorEvent } from '@gm/runtime/events';

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const isTerms = (v: unknown): v is Record<string, number> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(x => typeof x === 'number' || x === null);

/** The event in a parsed JSON value, or undefined when it is not a well-formed train event. */
export function toTrainEvent(value: unknown): TrainEvent | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const e = value as Record<string, unknown>;
    switch (e.event) {
        case 'start':
            return isString(e.model) && isString(e.backend) && isString(e.out) && isNumber(e.totalSteps) ? (e as unknown as TrainEvent) : undefined;
        case 'progress':
            return isNumber(e.step) && isNumber(e.loss) && isTerms(e.terms) ? (e as unknown as TrainEvent) : undefined;
        case 'eval':
            return isNumber(e.step) && isTerms(e.terms) ? (e as unknown as TrainEvent) : undefined;
        case 'sample':
            return isNumber(e.step) && isString(e.path) && ['samples', 'reconstructions', 'trajectory'].includes(e.kind as string) ? (e as unknown as TrainEvent) : undefined;
        case 'checkpoint':
            return isNumber(e.step) && isString(e.path) ? (e as unknown as TrainEvent) : undefined;
        case 'done':
            return isNumber(e.step) && (e.reason === 'finished' || e.reason === 'interrupted') ? (e as unknown as TrainEvent) : undefined;
        case 'error':
            return isString(e.message) ? (e as unknown as TrainEvent) : undefined;
        default:
            return undefined;
    }
}

/**
 * Splits a byte stream into lines and each line into an event or plain log text. Chunks may end
 * mid-line (and mid-character: feed it strings decoded with a streaming decoder).
 */
export class EventLineParser {
    private pending = '';

    constructor(
        private readonly onEvent: (event: TrainEvent) => void,
        private readonly onText: (line: string) => void,
    ) {}

    push(chunk: string): void {
        this.pending += chunk;
        let newline: number;
        while ((newline = this.pending.indexOf('\n')) >= 0) {
            const line = this.pending.slice(0, newline).replace(/\r$/, '');
            this.pending = this.pending.slice(newline + 1);
            this.line(line);
        }
    }

    /** Flushes a last line without a newline (the process ended). */
    end(): void {
        if (this.pending) this.line(this.pending);
        this.pending = '';
    }

    private line(line: string): void {
        if (!line.trim()) return;
        if (line.trimStart().startsWith('{')) {
            try {
                const event = toTrainEvent(JSON.parse(line));
                if (event) {
                    this.onEvent(event);
                    return;
                }
            } catch {
                /* not JSON: log text */
            }
        }
        this.onText(line);
    }
}
