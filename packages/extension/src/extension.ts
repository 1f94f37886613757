import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createLanguageClient } from './language-client.js';
import { resolveTarget, type ModelTarget } from './model-target.js';
import { TrainingManager } from './train/training-manager.js';
import { DerivationPanel } from './views/derivation-panel.js';
import { GraphPanel } from './views/graph-panel.js';
import type { ModelViewPanel, ViewTarget } from './views/model-view-panel.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const languageOutput = vscode.window.createOutputChannel('gm language server', { log: true });
    const trainingOutput = vscode.window.createOutputChannel('GM');
    context.subscriptions.push(languageOutput, trainingOutput);

    const languageClient = createLanguageClient(context, languageOutput);
    client = languageClient;
    const training = new TrainingManager(context, trainingOutput);
    context.subscriptions.push(training);

    const command = (id: string, run: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
    // Commands on a model take (uri, model) from the code lenses, or the active editor when called
    // from the palette; nothing happens when no model can be found.
    const onTarget = (run: (t: ModelTarget) => unknown) => async (uri?: unknown, model?: unknown) => {
        const t = await resolveTarget(languageClient, uri, model);
        if (t) await run(t);
    };
    const derivation = reusablePanel(target => new DerivationPanel(languageClient, context.extensionUri, target));
    const graph = reusablePanel(target => new GraphPanel(languageClient, context.extensionUri, target));
    const trainModel = onTarget(t => training.train(t));
    const resumeTraining = onTarget(t => training.train(t, true));
    const sampleModel = onTarget(t => training.sample(t));
    const showDerivation = onTarget(t => derivation.open({ uri: t.document.uri, model: t.model }));
    const showModelGraph = onTarget(t => graph.open({ uri: t.document.uri, model: t.model }));
    command('gm.trainModel', trainModel);
    command('gm.resumeTraining', resumeTraining);
    command('gm.sampleModel', sampleModel);
    command('gm.stopTraining', async () => {
        const editor = vscode.window.activeTextEditor;
        const t = editor?.document.languageId === 'gm' ? await resolveTarget(languageClient) : undefined;
        await training.stop(t);
    });
    command('gm.showDashboard', () => training.showDashboard());
    command('gm.showDerivation', showDerivation);
    command('gm.showModelGraph', showModelGraph);
    context.subscriptions.push({
        dispose: () => {
            derivation.dispose();
            graph.dispose();
        },
    });

    // The server's code lenses above each model call gm.showDerivation, gm.trainModel and
    // gm.showModelGraph with (uri, model).
    await languageClient.start();
}

export async function deactivate(): Promise<void> {
    await client?.stop();
    client = undefined;
}

/**
 * One panel of a kind at a time: a command shows the open one on its new target, and creates it
 * again once the user has closed it.
 */
function reusablePanel(create: (target: ViewTarget) => ModelViewPanel) {
    let panel: ModelViewPanel | undefined;
    return {
        open(target: ViewTarget): void {
            if (!panel || panel.disposed) panel = create(target);
            else panel.show(target);
        },
        dispose(): void {
            panel?.dispose();
        },
    };
}
