import * as vscode from 'vscode';
import type { TrainEvent } from '../train/events.js';
import { previousEvents, previousRuns } from '../train/run-history.js';
import type { TrainingRun } from '../train/training-run.js';
import { parseWebviewMessage, type WebviewMessage } from './messages.js';
import { webviewHtml } from './webview-html.js';

export const DashboardViewType = 'gm.dashboard';

/** What the dashboard webview keeps across a window reload (vscode.setState): its run folder. */
export interface DashboardState {
    runDir: string;
}

export function isDashboardState(value: unknown): value is DashboardState {
    return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).runDir === 'string';
}

/** Events as the webview sees them: sample PNG paths turned into webview URIs. */
export type DashboardEvent = TrainEvent & { uri?: string };

/**
 * The training dashboard of one run: loss terms over steps (uPlot), the latest sample grid,
 * backend, images/s, ETA and checkpoint status, Stop and Resume. One panel per run.
 */
export class DashboardPanel {
    private readonly disposables: vscode.Disposable[] = [];
    private ready = false;
    private extraEvents: TrainEvent[] = [];

    constructor(
        readonly panel: vscode.WebviewPanel,
        private run: TrainingRun,
        private readonly extensionUri: vscode.Uri,
        private readonly onMessage: (message: WebviewMessage, dashboard: DashboardPanel) => void,
    ) {
        panel.webview.options = {
            enableScripts: true,
            localResourceRoots: this.roots(run),
        };
        panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'gm-file.svg');
        panel.webview.html = this.html();
        this.disposables.push(
            panel.webview.onDidReceiveMessage(raw => {
                const message = parseWebviewMessage(raw);
                if (!message) return;
                if (message.type === 'ready') {
                    this.ready = true;
                    this.sendAll();
                    return;
                }
                this.onMessage(message, this);
            }),
        );
        this.watch(run);
        panel.onDidDispose(() => this.dispose(), null, this.disposables);
    }

    get runDir(): string {
        return this.run.record.runDir;
    }
    get model(): string {
        return this.run.record.model;
    }
    get file(): string {
        return this.run.record.file;
    }
    get currentRun(): TrainingRun {
        return this.run;
    }

    /** Follows another run (Resume continues in the same dashboard). */
    follow(run: TrainingRun): void {
        this.run = run;
        // New options reload the page; it says 'ready' again and gets the whole run then.
        this.ready = false;
        this.panel.webview.options = { ...this.panel.webview.options, localResourceRoots: this.roots(run) };
        this.extraEvents = [];
        this.watch(run);
        this.sendAll();
    }

    /** An event from elsewhere, e.g. a grid from "Sample from Model". */
    addEvent(event: TrainEvent): void {
        this.extraEvents.push(event);
        if (this.ready) void this.panel.webview.postMessage({ type: 'event', event: this.forWebview(event) });
    }

    /** The folders the page may load from: the extension's bundle, this run's and those it resumes. */
    private roots(run: TrainingRun): vscode.Uri[] {
        const folders = new Set([run.record.runDir, run.record.out ?? run.record.runDir, ...previousRuns(run.record).map(l => l.runDir)]);
        return [vscode.Uri.joinPath(this.extensionUri, 'out'), ...[...folders].map(f => vscode.Uri.file(f))];
    }

    private watch(run: TrainingRun): void {
        const onEvent = (event: TrainEvent) => {
            if (this.ready && run === this.run) void this.panel.webview.postMessage({ type: 'event', event: this.forWebview(event) });
        };
        const onExit = (exit: { code: number | null; signal: string | null }) => {
            if (this.ready && run === this.run) void this.panel.webview.postMessage({ type: 'exit', exit, log: run.recentLog });
        };
        run.on('event', onEvent);
        run.on('exit', onExit);
        this.disposables.push({
            dispose: () => {
                run.off('event', onEvent);
                run.off('exit', onExit);
            },
        });
    }

    private sendAll(): void {
        if (!this.ready) return;
        const r = this.run.record;
        void this.panel.webview.postMessage({
            type: 'init',
            run: { model: r.model, file: vscode.workspace.asRelativePath(r.file), runDir: r.runDir, startedAt: r.startedAt },
            events: [...previousEvents(r), ...this.run.events, ...this.extraEvents].map(e => this.forWebview(e)),
            running: this.run.running,
            exit: this.run.exitStatus,
            log: this.run.recentLog,
        });
    }

    private forWebview(event: TrainEvent): DashboardEvent {
        if (event.event !== 'sample') return event;
        // The step in the query makes the webview fetch a grid rewritten at the same path.
        const uri = this.panel.webview.asWebviewUri(vscode.Uri.file(event.path)).with({ query: `step=${event.step}` });
        return { ...event, uri: uri.toString() };
    }

    private html(): string {
        const webview = this.panel.webview;
        const out = (p: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'out', p)).toString();
        return webviewHtml({
            title: `Training ${this.run.record.model}`,
            cspSource: webview.cspSource,
            styles: [out('webviews/uPlot.min.css'), out('webviews/common.css')],
            scripts: [out('webviews/dashboard.js')],
            body: `<header><h1 id="title">Training</h1><div class="actions">
<button id="stop" type="button">Stop</button><button id="resume" type="button">Resume</button><button id="sample" type="button">Sample</button></div></header>
<section id="stats" class="stats"></section>
<section id="error" class="error" hidden></section>
<section class="grid"><div><h2>Loss terms</h2><div id="charts" class="charts"></div></div>
<div><h2>Samples <span id="sample-step"></span></h2><div id="samples" class="samples"><p class="muted">No samples yet.</p></div></div></section>`,
        });
    }

    dispose(): void {
        while (this.disposables.length) this.disposables.pop()!.dispose();
    }
}
