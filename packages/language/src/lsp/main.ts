import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createGmServices } from '../gm-module.js';
import { registerGmRequests } from './gm-requests.js';

// The gm language server: started by the VS Code extension over IPC, or over stdio with --stdio.
const connection = createConnection(ProposedFeatures.all);
const { shared, Gm } = createGmServices({ connection, ...NodeFileSystem });
registerGmRequests(connection, shared, Gm);
startLanguageServer(shared);
