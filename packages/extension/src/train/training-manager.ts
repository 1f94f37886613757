import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelTarget } from '../model-target.js';
import { cliSettings, outputDirectory } from '../settings.js';
import { DashboardPanel, DashboardViewType, type DashboardState } from '../views/dashboard-panel.js';
import type { WebviewMessage } from '../views/messages.js';
import { resolveCli, sampleArgs, trainArgs } from './cli-command.js';
import { EventLineParser, type TrainEvent } from './events.js';
import { findLastCheckpoint, runFolderName } from './run-history.js';
import { TrainingRun } from './training-run.js';

/**
 * Training runs of this window: each `gm train --json` process, its dashboard (with Stop), the
 * status-bar item while any run is going, and the log. No progress notification: it covered the
 * bottom of the dashboard, which shows the same step, loss and ETA.
 */
export class TrainingManager implements vscode.Disposable {
    private readonly runs = new Map<string, { run: TrainingRun; dashboard?: DashboardPanel }>();
    private readonly statusBar = vscode.window.createStatusBarItem('gm.training', vscode.StatusBarAlignment.Left, 50);
    private readonly progress = new Map<string, string>();

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly output: vscode.OutputChannel,
    ) {
        this.statusBar.name = 'gm training';
        this.statusBar.command = 'gm.showDashboard';
        context.subscriptions.push(
            vscode.window.registerWebviewPanelSerializer(DashboardViewType, {
                deserializeWebviewPanel: async (panel, state: unknown) => this.restore(panel, state),
            }),
        );
    }

    get activeRuns(): TrainingRun[] {
        return [...this.runs.values()].map(r => r.run).filter(r => r.running);
    }

    async train(target: ModelTarget, resume = false): Promise<void> {
        if (!this.trusted('train models')) return;
        if (target.document.isDirty) await target.document.save();
        const file = target.document.uri.fsPath;
        const busy = this.activeRuns.find(r => r.record.file === file && r.record.model === target.model);
        if (busy) {
            void vscode.window.showWarningMessage(`GM: ${target.model} is already training.`, 'Show Dashboard').then(a => a && this.showDashboard(busy));
            return;
        }
        const outDir = outputDirectory(target.document.uri);
        const runDir = path.join(outDir, runFolderName(target.model));
        // A resumed run writes on in the output folder of the run it continues (the runtime
        // resumes from the newest checkpoint there); its own folder keeps its log.
        let trainingOut = runDir;
        let resumes: { runDir: string; step: number } | undefined;
        if (resume) {
            const last = findLastCheckpoint(outDir, file, target.model);
            if (!last) {
                void vscode.window.showErrorMessage(`GM: no checkpoint of ${target.model} in ${outDir} to resume from. Train it first.`);
                return;
            }
            trainingOut = last.run.out ?? last.run.runDir;
            resumes = { runDir: last.run.runDir, step: last.step };
        }
        const settings = cliSettings(this.context.extensionPath);
        const cli = resolveCli(settings);
        const args = [...cli.args, ...trainArgs(file, target.model, trainingOut, settings, resume)];
        this.output.appendLine(`[${target.model}] ${cli.command} ${args.join(' ')}`);
        const run = TrainingRun.start({
            id: path.basename(runDir),
            file,
            model: target.model,
            runDir,
            out: trainingOut,
            command: cli.command,
            args,
            env: cli.env,
            cwd: path.dirname(file),
            previous: resumes,
        });
        // Resume continues in the dashboard of the model's previous run when it is open.
        const previous = [...this.runs.values()].reverse().find(r => r.dashboard && r.run.record.file === file && r.run.record.model === target.model);
        this.track(run);
        if (resume && previous?.dashboard) {
            const dashboard = previous.dashboard;
            this.runs.get(run.record.id)!.dashboard = dashboard;
            dashboard.follow(run);
            dashboard.panel.reveal(undefined, true);
        } else {
            this.showDashboard(run);
        }
    }

    /** Stops the runs of the cursor's model, or the only / chosen active run. */
    async stop(target?: ModelTarget): Promise<void> {
        let candidates = this.activeRuns;
        if (target) {
            const own = candidates.filter(r => r.record.file === target.document.uri.fsPath && r.record.model === target.model);
            if (own.length) candidates = own;
        }
        if (candidates.length === 0) {
            void vscode.window.showInformationMessage('GM: no training is running.');
            return;
        }
        let chosen = candidates;
        if (candidates.length > 1) {
            const pick = await vscode.window.showQuickPick(
                candidates.map(r => ({ label: r.record.model, description: path.basename(r.record.runDir), run: r })),
                { placeHolder: 'Stop which run?' },
            );
            if (!pick) return;
            chosen = [pick.run];
        }
        for (const run of chosen) {
            this.output.appendLine(`[${run.record.model}] stopping (SIGINT)`);
            const refused = run.stop();
            if (refused) {
                this.output.appendLine(`[${run.record.model}] ${refused}`);
                void vscode.window.showWarningMessage(`GM: ${refused}`);
            }
        }
    }

    async sample(target: ModelTarget): Promise<void> {
        if (!this.trusted('sample from models')) return;
        const file = target.document.uri.fsPath;
        const last = findLastCheckpoint(outputDirectory(target.document.uri), file, target.model);
        if (!last) {
            void vscode.window.showErrorMessage(`GM: ${target.model} has no checkpoint yet. Train it first.`);
            return;
        }
        const settings = cliSettings(this.context.extensionPath);
        const cli = resolveCli(settings);
        const png = path.join(last.run.out ?? last.run.runDir, `sample-${Date.now()}.png`);
        const args = [...cli.args, ...sampleArgs(file, target.model, last.checkpoint, png, settings.backend)];
        this.output.appendLine(`[${target.model}] ${cli.command} ${args.join(' ')}`);
        const events: TrainEvent[] = [];
        const code = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `GM: sampling from ${target.model}`, cancellable: true },
            (_p, token) =>
                new Promise<number | null>(resolve => {
                    const child = spawn(cli.command, args, { cwd: path.dirname(file), env: { ...process.env, ...cli.env }, stdio: ['ignore', 'pipe', 'pipe'] });
                    const parser = new EventLineParser(
                        e => events.push(e),
                        line => this.output.appendLine(`[${target.model}] ${line}`),
                    );
                    child.stdout.setEncoding('utf8').on('data', (s: string) => parser.push(s));
                    child.stderr.setEncoding('utf8').on('data', (s: string) => this.output.append(s));
                    token.onCancellationRequested(() => child.kill('SIGINT'));
                    child.on('error', e => {
                        this.output.appendLine(`[${target.model}] ${e.message}`);
                        resolve(null);
                    });
                    child.on('close', c => {
                        parser.end();
                        resolve(c);
                    });
                }),
        );
        // `gm sample` writes the grid and says so in words; a JSON sample event, when it prints one, wins.
        const sample =
            events.find(e => e.event === 'sample') ??
            (code === 0 && fs.existsSync(png) ? { event: 'sample' as const, step: last.step, path: png, kind: 'samples' as const } : undefined);
        const error = events.find(e => e.event === 'error');
        if (!sample || code !== 0) {
            void vscode.window.showErrorMessage(`GM: sampling failed${error && error.event === 'error' ? `: ${error.message}` : ` (exit ${code}); see the GM output`}.`);
            this.output.show(true);
            return;
        }
        let entry = [...this.runs.values()].find(r => r.run.record.runDir === last.run.runDir);
        if (!entry) {
            const run = TrainingRun.attach(last.run.runDir);
            if (run) {
                this.track(run);
                entry = this.runs.get(run.record.id);
            }
        }
        if (!entry) return;
        this.showDashboard(entry.run);
        entry.dashboard?.addEvent(sample);
    }

    /** Opens (or reveals) the dashboard of a run; without a run, of the newest one. */
    showDashboard(run?: TrainingRun): void {
        run ??= this.activeRuns[0] ?? [...this.runs.values()].pop()?.run;
        if (!run) {
            void vscode.window.showInformationMessage('GM: no training run in this window.');
            return;
        }
        const entry = this.runs.get(run.record.id)!;
        if (entry.dashboard) {
            entry.dashboard.panel.reveal(undefined, true);
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            DashboardViewType,
            `Training ${run.record.model}`,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            {
                enableScripts: true,
                retainContextWhenHidden: true,
                localResourceRoots: [
                    vscode.Uri.joinPath(this.context.extensionUri, 'out'),
                    vscode.Uri.file(run.record.runDir),
                    vscode.Uri.file(run.record.out ?? run.record.runDir),
                ],
            },
        );
        this.adopt(panel, run);
    }

    private adopt(panel: vscode.WebviewPanel, run: TrainingRun): DashboardPanel {
        const dashboard = new DashboardPanel(panel, run, this.context.extensionUri, (m, d) => this.onDashboardMessage(m, d));
        const entry = this.runs.get(run.record.id)!;
        entry.dashboard = dashboard;
        panel.onDidDispose(() => {
            for (const e of this.runs.values()) if (e.dashboard === dashboard) e.dashboard = undefined;
        });
        return dashboard;
    }

    /** A dashboard coming back after a window reload: follow its run again, finished or not. */
    private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        const runDir = typeof state === 'object' && state !== null && typeof (state as DashboardState).runDir === 'string' ? (state as DashboardState).runDir : undefined;
        const run = runDir && fs.existsSync(runDir) ? TrainingRun.attach(runDir) : undefined;
        if (!run) {
            panel.dispose();
            return;
        }
        this.track(run);
        this.adopt(panel, run);
    }

    private onDashboardMessage(message: WebviewMessage, dashboard: DashboardPanel): void {
        switch (message.type) {
            case 'stop': {
                const refused = dashboard.currentRun.stop();
                if (refused) void vscode.window.showWarningMessage(`GM: ${refused}`);
                break;
            }
            case 'resume':
                void this.openAndRun(dashboard, doc => this.train({ document: doc, model: dashboard.model }, true));
                break;
            case 'sample':
                void this.openAndRun(dashboard, doc => this.sample({ document: doc, model: dashboard.model }));
                break;
            default:
                break;
        }
    }

    private async openAndRun(dashboard: DashboardPanel, action: (doc: vscode.TextDocument) => Promise<void>): Promise<void> {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(dashboard.file));
        await action(doc);
    }

    private track(run: TrainingRun): void {
        if (this.runs.has(run.record.id)) return;
        this.runs.set(run.record.id, { run });
        const tag = `[${run.record.model}]`;
        run.on('log', line => this.output.appendLine(`${tag} ${line}`));
        run.on('event', event => this.onEvent(run, event));
        run.on('exit', exit => {
            this.progress.delete(run.record.id);
            const done = run.events.find(e => e.event === 'done');
            const error = run.events.find(e => e.event === 'error');
            if (error && error.event === 'error') {
                void vscode.window.showErrorMessage(`GM: training ${run.record.model} failed: ${error.message}`);
            } else if (!done && exit.code !== 0) {
                void vscode.window
                    .showErrorMessage(`GM: training ${run.record.model} ended without finishing (exit ${exit.code ?? exit.signal}); see the GM output.`, 'Show Output')
                    .then(a => a && this.output.show(true));
            }
            this.output.appendLine(`${tag} ended (${done && done.event === 'done' ? done.reason : `exit ${exit.code ?? exit.signal}`})`);
            this.updateStatus();
        });
        this.updateStatus();
    }

    private onEvent(run: TrainingRun, event: TrainEvent): void {
        const tag = `[${run.record.model}]`;
        switch (event.event) {
            case 'start':
                this.output.appendLine(`${tag} ${event.backend} backend (${event.backendReason}), ${event.parameters} parameters, ${event.totalSteps} steps → ${event.out}`);
                break;
            case 'progress': {
                const total = run.events.find(e => e.event === 'start');
                this.progress.set(run.record.id, `${event.step}/${total && total.event === 'start' ? total.totalSteps : '?'}`);
                if (event.step % 50 === 0)
                    this.output.appendLine(
                        `${tag} step ${event.step} loss ${event.loss.toFixed(4)} ${Object.entries(event.terms)
                            .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                            .join(' ')}`,
                    );
                this.updateStatus();
                break;
            }
            case 'checkpoint':
                this.output.appendLine(`${tag} checkpoint at step ${event.step}: ${event.path}`);
                break;
            case 'eval':
                this.output.appendLine(`${tag} eval at step ${event.step}: ${event.nats.toFixed(2)} nats, ${event.bitsPerDim.toFixed(3)} bits/dim`);
                break;
            case 'error':
                this.output.appendLine(`${tag} error: ${event.message}`);
                break;
            case 'done':
                this.output.appendLine(`${tag} done at step ${event.step} (${event.reason}) in ${event.seconds.toFixed(1)} s`);
                break;
            default:
                break;
        }
    }

    private updateStatus(): void {
        const active = this.activeRuns;
        void vscode.commands.executeCommand('setContext', 'gm.training', active.length > 0);
        if (active.length === 0) {
            this.statusBar.hide();
            return;
        }
        const first = active[0]!;
        const step = this.progress.get(first.record.id);
        this.statusBar.text = active.length === 1 ? `$(sync~spin) GM: ${first.record.model}${step ? ` ${step}` : ''}` : `$(sync~spin) GM: ${active.length} runs`;
        this.statusBar.tooltip = `Training ${active.map(r => r.record.model).join(', ')}: click for the dashboard`;
        this.statusBar.show();
    }

    private trusted(what: string): boolean {
        if (vscode.workspace.isTrusted) return true;
        void vscode.window
            .showWarningMessage(
                `GM: this workspace is not trusted, so gm does not ${what}: that starts processes and reads data files. Language features keep working.`,
                'Manage Workspace Trust',
            )
            .then(a => a && vscode.commands.executeCommand('workbench.trust.manage'));
        return false;
    }

    dispose(): void {
        // Runs keep going after the window closes (they are detached); only stop following them.
        for (const { run, dashboard } of this.runs.values()) {
            dashboard?.dispose();
            run.dispose();
        }
        this.statusBar.dispose();
    }
}
