import type { TrainEvent } from '../train/events.js';

/** Where a training session's events go: JSON lines for the editor, a progress bar for people. */
export interface Reporter {
    emit(event: TrainEvent): void;
    /** Ends the progress line so that later output starts on a new line. */
    close(): void;
}

/** `--json`: one JSON object per line on stdout, nothing else there. */
export class JsonReporter implements Reporter {
    constructor(private readonly write: (line: string) => void = line => process.stdout.write(line)) {}

    emit(event: TrainEvent): void {
        this.write(JSON.stringify(event) + '\n');
    }

    close(): void {}
}

/** Bytes in KiB, MiB or GiB, one decimal. */
export const formatBytes = (n: number) =>
    n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${Math.max(0, n / 1024).toFixed(1)} KiB`;

function duration(seconds: number): string {
    if (!Number.isFinite(seconds)) return '--:--';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600),
        m = Math.floor((s % 3600) / 60),
        r = s % 60;
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

function number(v: number): string {
    const a = Math.abs(v);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : v.toFixed(a >= 100 ? 1 : 3);
}

/**
 * A one-line progress bar, redrawn in place on a terminal (step, epoch, loss and each term,
 * images/s, ETA); other events print on their own lines.
 */
export class TerminalReporter implements Reporter {
    private total = 0;
    private open = false;

    constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

    emit(event: TrainEvent): void {
        switch (event.event) {
            case 'start':
                this.total = event.totalSteps;
                this.line(`training ${event.model} (${event.file}) on ${event.backend}: ${event.backendReason}`);
                this.line(
                    `${event.parameters.toLocaleString('en-US')} parameters, ${event.totalSteps} steps, output in ${event.out}` +
                        (event.resumedFrom !== undefined ? `, resumed from step ${event.resumedFrom}` : ''),
                );
                if (event.memory) {
                    const m = event.memory;
                    this.line(
                        `memory: about ${formatBytes(m.total)} (parameters ${formatBytes(m.parameters)}, optimizer state ${formatBytes(m.optimizer)}, ` +
                            `activations and gradients ${formatBytes(m.activations)})` +
                            (m.available !== undefined ? `; ${formatBytes(m.available)} available (${m.limit})` : '; device memory not checked'),
                    );
                }
                break;
            case 'progress': {
                const width = 24;
                const filled = this.total > 0 ? Math.round((event.step / this.total) * width) : 0;
                const bar = '█'.repeat(filled) + '░'.repeat(Math.max(0, width - filled));
                const terms = Object.entries(event.terms)
                    .map(([k, v]) => `${k} ${number(v)}`)
                    .join('  ');
                const text =
                    `${bar} step ${event.step}/${this.total} epoch ${event.epoch}  loss ${number(event.loss)}  ${terms}  ` +
                    `${event.imagesPerSecond.toFixed(0)} img/s  ETA ${duration(event.etaSeconds)}`;
                if (this.stream.isTTY) {
                    this.stream.write(`\r\x1b[2K${text.slice(0, (this.stream.columns ?? 160) - 1)}`);
                    this.open = true;
                } else {
                    this.line(text);
                }
                break;
            }
            case 'eval':
                this.line(
                    `eval at step ${event.step}: −ELBO ${number(event.nats)} nats, ${number(event.bitsPerDim)} bits/dim  ` +
                        Object.entries(event.terms)
                            .map(([k, v]) => `${k} ${number(v)}`)
                            .join('  '),
                );
                break;
            case 'sample':
                this.line(`${event.kind} at step ${event.step}: ${event.path}`);
                break;
            case 'checkpoint':
                this.line(`checkpoint at step ${event.step}: ${event.path}`);
                break;
            case 'done':
                this.line(`${event.reason === 'finished' ? 'done' : 'interrupted'} at step ${event.step} after ${duration(event.seconds)}`);
                break;
            case 'error':
                this.line(`error${event.step !== undefined ? ` at step ${event.step}` : ''}: ${event.message}`);
                break;
        }
    }

    close(): void {
        if (this.open) this.stream.write('\n');
        this.open = false;
    }

    private line(text: string): void {
        this.close();
        this.stream.write(text + '\n');
    }
}
