// The training dashboard webview: a uPlot chart per loss term, the newest sample grids, and the
// run's numbers. It keeps only its run folder in the webview state; the extension replays the
// run's events after a reload.
import uPlot from 'uplot';
import type { TrainEvent } from '../train/events.js';
import { byId, el, vscodeApi } from './vscode-api.js';

type DashboardEvent = TrainEvent & { uri?: string };
interface RunInfo {
    model: string;
    file: string;
    runDir: string;
    startedAt: string;
}

const api = vscodeApi<{ runDir: string }>();
const charts = byId('charts');
const samples = byId('samples');
const stats = byId('stats');
const errorBox = byId('error');
const stopButton = byId<HTMLButtonElement>('stop');
const resumeButton = byId<HTMLButtonElement>('resume');
stopButton.addEventListener('click', () => {
    stopButton.disabled = true;
    api.postMessage({ type: 'stop' });
});
resumeButton.addEventListener('click', () => api.postMessage({ type: 'resume' }));
byId('sample').addEventListener('click', () => api.postMessage({ type: 'sample' }));

/** One series per chart: steps and values, appended as events arrive. */
class Curve {
    readonly xs: number[] = [];
    readonly ys: number[] = [];
    private plot: uPlot | undefined;
    readonly box: HTMLElement;

    constructor(
        readonly name: string,
        private readonly colour: string,
    ) {
        this.box = el('div', 'chart');
        this.box.dataset.term = name;
        this.box.append(el('h3', '', name));
    }

    add(x: number, y: number): void {
        if (!Number.isFinite(y)) return;
        this.xs.push(x);
        this.ys.push(y);
    }

    draw(width: number): void {
        if (this.xs.length === 0) return;
        // What the chart holds, for tests and for screen readers' users.
        this.box.dataset.points = String(this.xs.length);
        this.box.dataset.firstStep = String(this.xs[0]);
        this.box.dataset.lastStep = String(this.xs[this.xs.length - 1]);
        const data: uPlot.AlignedData = [this.xs, this.ys];
        if (!this.plot) {
            this.plot = new uPlot(
                {
                    width,
                    height: 150,
                    legend: { show: false },
                    scales: { x: { time: false } },
                    axes: [
                        { stroke: getComputedStyle(document.body).color, grid: { stroke: 'rgba(128,128,128,0.2)' } },
                        { stroke: getComputedStyle(document.body).color, grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 60 },
                    ],
                    series: [{ label: 'step' }, { label: this.name, stroke: this.colour, width: 1.5 }],
                },
                data,
                this.box,
            );
        } else {
            this.plot.setData(data);
            if (Math.abs(this.plot.width - width) > 4) this.plot.setSize({ width, height: 150 });
        }
    }
}

/** What each grid shows; reconstructions are drawn as rows of test images, each followed by the row of their reconstructions. */
const CAPTIONS = {
    samples: 'samples',
    reconstructions: 'test images (odd rows) and their reconstructions (the row below each)',
    trajectory: 'trajectory x_T → x_0',
} as const;

const COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
let curves = new Map<string, Curve>();
let exitProblem = '';
let state = {
    start: undefined as Extract<TrainEvent, { event: 'start' }> | undefined,
    progress: undefined as Extract<TrainEvent, { event: 'progress' }> | undefined,
    checkpoint: undefined as Extract<TrainEvent, { event: 'checkpoint' }> | undefined,
    evaluation: undefined as Extract<TrainEvent, { event: 'eval' }> | undefined,
    done: undefined as Extract<TrainEvent, { event: 'done' }> | undefined,
    error: undefined as Extract<TrainEvent, { event: 'error' }> | undefined,
    running: true,
    /** The newest step any event reported: progress is throttled, samples and checkpoints are not. */
    step: 0,
};
let latestSamples = new Map<string, DashboardEvent & { event: 'sample' }>();
let pending = false;

function curve(name: string): Curve {
    let c = curves.get(name);
    if (!c) {
        c = new Curve(name, COLOURS[curves.size % COLOURS.length]!);
        curves.set(name, c);
        charts.append(c.box);
    }
    return c;
}

function apply(event: DashboardEvent): void {
    if ('step' in event && event.step !== undefined && event.event !== 'error') state.step = Math.max(state.step, event.step);
    switch (event.event) {
        case 'start':
            state.start = event;
            break;
        case 'progress':
            state.progress = event;
            curve('loss').add(event.step, event.loss);
            for (const [term, value] of Object.entries(event.terms)) curve(term).add(event.step, value);
            break;
        case 'eval':
            state.evaluation = event;
            curve('eval: bits/dim').add(event.step, event.bitsPerDim);
            break;
        case 'sample':
            latestSamples.set(event.kind, event);
            break;
        case 'checkpoint':
            state.checkpoint = event;
            break;
        case 'done':
            state.done = event;
            state.running = false;
            break;
        case 'error':
            state.error = event;
            break;
    }
}

function stat(label: string, value: string): HTMLElement {
    const box = el('div', 'stat');
    box.append(el('div', 'label', label), el('div', 'value', value));
    return box;
}

const seconds = (s: number) =>
    !Number.isFinite(s)
        ? '–'
        : s < 60
          ? `${Math.round(s)} s`
          : s < 3600
            ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
            : `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;

function render(): void {
    pending = false;
    const { start, progress, checkpoint, evaluation, done, error } = state;
    const status = error ? 'failed' : done ? (done.reason === 'finished' ? 'finished' : 'stopped') : state.running ? 'training' : 'ended';
    stats.replaceChildren(
        stat('status', status),
        stat('backend', start ? start.backend : '–'),
        stat('step', state.step > 0 ? `${state.step}${start ? ` / ${start.totalSteps}` : ''}` : '–'),
        stat('loss', progress ? progress.loss.toFixed(4) : '–'),
        stat('images/s', progress ? progress.imagesPerSecond.toFixed(0) : '–'),
        stat('ETA', progress && state.running && !done ? seconds(progress.etaSeconds) : '–'),
        stat('checkpoint', checkpoint ? `step ${checkpoint.step}` : 'none yet'),
        ...(evaluation ? [stat('test bound', `${evaluation.nats.toFixed(2)} nats, ${evaluation.bitsPerDim.toFixed(3)} bits/dim`)] : []),
        ...(start ? [stat('parameters', start.parameters.toLocaleString('en'))] : []),
    );
    stats.dataset.status = status;
    if (start) byId('stats').title = `backend: ${start.backendReason}`;
    const problem = error ? `${error.message}${error.term ? ` (term ${error.term})` : ''}${error.step !== undefined ? ` at step ${error.step}` : ''}` : exitProblem;
    errorBox.hidden = !problem;
    errorBox.textContent = problem;
    stopButton.disabled = !state.running || Boolean(done);
    resumeButton.disabled = state.running && !done;
    const width = Math.max(260, charts.clientWidth - 4);
    for (const c of curves.values()) c.draw(width);
    if (latestSamples.size > 0) {
        const figures: Node[] = [];
        for (const kind of ['samples', 'reconstructions', 'trajectory'] as const) {
            const s = latestSamples.get(kind);
            if (!s?.uri) continue;
            const figure = el('figure');
            const img = el('img');
            img.src = s.uri;
            img.alt = `${kind} at step ${s.step}`;
            img.dataset.kind = kind;
            figure.append(img, el('figcaption', '', `${CAPTIONS[kind]}, step ${s.step}`));
            figures.push(figure);
        }
        samples.replaceChildren(...figures);
        const newest = Math.max(...[...latestSamples.values()].map(s => s.step));
        byId('sample-step').textContent = `(step ${newest})`;
    }
}

interface Exit {
    code: number | null;
    signal: string | null;
}

/** Why a run ended without a `done` event: the exit status and what the process last printed. */
function describeExit(exit: Exit, log: string[]): string {
    if (state.done || state.error) return '';
    if (exit.code === 0) return '';
    return `gm train ended ${exit.code !== null ? `with exit code ${exit.code}` : `by signal ${exit.signal ?? 'unknown'}`}${log.length ? `:\n${log.slice(-8).join('\n')}` : ''}`;
}

function schedule(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(render);
}

window.addEventListener('message', event => {
    const message = event.data as { type: string; run?: RunInfo; events?: DashboardEvent[]; event?: DashboardEvent; running?: boolean; exit?: Exit; log?: string[] };
    if (message.type === 'init' && message.run && message.events) {
        api.setState({ runDir: message.run.runDir });
        byId('title').textContent = `Training ${message.run.model}`;
        byId('title').title = `${message.run.file}: ${message.run.runDir}`;
        curves = new Map();
        charts.replaceChildren();
        latestSamples = new Map();
        state = {
            start: undefined,
            progress: undefined,
            checkpoint: undefined,
            evaluation: undefined,
            done: undefined,
            error: undefined,
            running: message.running ?? true,
            step: 0,
        };
        message.events.forEach(apply);
        exitProblem = message.exit ? describeExit(message.exit, message.log ?? []) : '';
        schedule();
    } else if (message.type === 'event' && message.event) {
        apply(message.event);
        schedule();
    } else if (message.type === 'exit') {
        state.running = false;
        if (message.exit) exitProblem = describeExit(message.exit, message.log ?? []);
        schedule();
    }
});
new ResizeObserver(() => schedule()).observe(charts);
api.postMessage({ type: 'ready' });
