import { startLanguageServer } from 'langium/lsp';
import { NodeFileSystem } from 'langium/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createGmServices } from '../gm-module.js';

// The gm language server: started by the VS Code extension over IPC, or over stdio with --stdio.
const connection = createConnection(ProposedFeatures.all);
const { shared } = createGmServices({ connection, ...NodeFileSystem });
startLanguageServer(shared);
