import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createGmServices } from '../gm-module.js';
import { registerGmRequests } from './gm-requests.js';
import { publishVersionedDiagnostics } from './versioned-diagnostics.js';

// The gm language server: started by the VS Code extension over IPC, or over stdio with --stdio.
const connection = createConnection(ProposedFeatures.all);
const { shared, Gm } = createGmServices({ connection, ...NodeFileSystem });
registerGmRequests(connection, shared, Gm);
publishVersionedDiagnostics(connection, shared);
// Requests that throw are answered with an error by vscode-jsonrpc; an exception that escapes
// elsewhere (a notification's asynchronous work) is logged, and the server keeps serving.
process.on('uncaughtException', error => connection.console.error(`gm language server: ${error.stack ?? String(error)}`));
process.on('unhandledRejection', reason => connection.console.error(`gm language server: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
startLanguageServer(shared);
