import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createLanguageClient } from './language-client.js';
import { resolveTarget } from './model-target.js';
import { TrainingManager } from './train/training-manager.js';
import { DerivationPanel } from './views/derivation-panel.js';
import { GraphPanel } from './views/graph-panel.js';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const languageOutput = vscode.window.createOutputChannel('gm language server', { log: true });
    const trainingOutput = vscode.window.createOutputChannel('GM');
    context.subscriptions.push(languageOutput, trainingOutput);

    const languageClient = createLanguageClient(context, languageOutput);
    client = languageClient;
    const training = new TrainingManager(context, trainingOutput);
    context.subscriptions.push(training);

    let derivation: DerivationPanel | undefined;
    let graph: GraphPanel | undefined;

    const command = (id: string, run: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, run));
    command('gm.trainModel', async (uri, model) => { const t = await resolveTarget(languageClient, uri, model); if (t) await training.train(t); });
    command('gm.resumeTraining', async (uri, model) => { const t = await resolveTarget(languageClient, uri, model); if (t) await training.train(t, true); });
    command('gm.sampleModel', async (uri, model) => { const t = await resolveTarget(languageClient, uri, model); if (t) await training.sample(t); });
    command('gm.stopTraining', async () => {
        const editor = vscode.window.activeTextEditor;
        const t = editor?.document.languageId === 'gm' ? await resolveTarget(languageClient) : undefined;
        await training.stop(t);
    });
    command('gm.showDashboard', () => training.showDashboard());
    command('gm.showDerivation', async (uri, model) => {
        const t = await resolveTarget(languageClient, uri, model);
        if (!t) return;
        const target = { uri: t.document.uri, model: t.model };
        if (!derivation || derivation.disposed) derivation = new DerivationPanel(languageClient, context.extensionUri, target);
        else derivation.show(target);
    });
    command('gm.showModelGraph', async (uri, model) => {
        const t = await resolveTarget(languageClient, uri, model);
        if (!t) return;
        const target = { uri: t.document.uri, model: t.model };
        if (!graph || graph.disposed) graph = new GraphPanel(languageClient, context.extensionUri, target);
        else graph.show(target);
    });
    context.subscriptions.push(
        { dispose: () => { derivation?.dispose(); graph?.dispose(); } },
    );

    // The server's code lenses above each model call gm.showDerivation, gm.trainModel and
    // gm.showModelGraph with (uri, model).
    await languageClient.start();
}

export async function deactivate(): Promise<void> {
    await client?.stop();
    client = undefined;
}
