/**
 * The gm language server as editors run it: the built server as a child process, spoken to over
 * stdio with vscode-jsonrpc and initialized as a client that reads hovers as Markdown. Shared by the
 * server tests, the fuzz test and the editor benches (bench/lsp-bench.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVER = path.join(ROOT, 'packages', 'language', 'out', 'lsp', 'main.js');

export interface LanguageServerProcess {
    server: ChildProcess;
    connection: MessageConnection;
    /** Asks the server to shut down (waiting 2 s at most), then ends the process. */
    stop(): Promise<void>;
}

export interface StartOptions {
    /** The server's stderr: shown (default), or piped for the caller to read. */
    stderr?: 'inherit' | 'pipe';
    /** Whether the client asks for diagnostics that carry their text's version. */
    versionedDiagnostics?: boolean;
    /** Registers the caller's handlers before the first message can arrive. */
    handlers?: (connection: MessageConnection, server: ChildProcess) => void;
}

export async function startLanguageServer(o: StartOptions = {}): Promise<LanguageServerProcess> {
    const server = spawn(process.execPath, [SERVER, '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', o.stderr ?? 'inherit'] });
    const connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    o.handlers?.(connection, server);
    connection.onRequest('workspace/configuration', () => [{}]);
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        workspaceFolders: null,
        capabilities: {
            textDocument: { hover: { contentFormat: ['markdown'] }, ...(o.versionedDiagnostics ? { publishDiagnostics: { versionSupport: true } } : {}) },
            workspace: { configuration: true },
        },
    });
    await connection.sendNotification('initialized', {});
    const stop = async () => {
        try {
            await Promise.race([connection.sendRequest('shutdown'), new Promise(resolve => setTimeout(resolve, 2000))]);
            await connection.sendNotification('exit');
        } catch {
            /* already gone */
        }
        connection.dispose();
        server.kill();
    };
    return { server, connection, stop };
}
