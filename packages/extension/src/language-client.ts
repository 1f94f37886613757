import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

/**
 * Starts the bundled gm language server (out/server.cjs) in its own Node process, talking over
 * IPC. It offers only language features (no files read beyond the documents, no processes), so it
 * also runs in untrusted workspaces.
 */
export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
    const module = context.asAbsolutePath('out/server.cjs');
    const serverOptions: ServerOptions = {
        run: { module, transport: TransportKind.ipc },
        debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { language: 'gm', scheme: 'file' },
            { language: 'gm', scheme: 'untitled' },
        ],
        outputChannel: output,
        synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.gm') },
    };
    return new LanguageClient('gm', 'gm language server', serverOptions, clientOptions);
}
