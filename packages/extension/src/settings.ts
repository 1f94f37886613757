import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CliSettings } from './train/cli-command.js';

/** `extensionPath`: the installed extension's folder, which carries the command line in out/cli. */
export function cliSettings(extensionPath: string): CliSettings {
    const config = vscode.workspace.getConfiguration('gm');
    return {
        cliPath: config.get<string>('cliPath', ''),
        nodePath: config.get<string>('nodePath', ''),
        pythonPath: config.get<string>('pythonPath', ''),
        backend: config.get<string>('backend', 'auto'),
        previewInterval: Math.max(1, config.get<number>('previewInterval', 200)),
        bundledCli: path.join(extensionPath, 'out', 'cli', 'bin', 'gm.js'),
        keepCheckpoints: Math.max(1, Math.floor(config.get<number>('keepCheckpoints', 3))),
        execPath: process.execPath,
    };
}

/** The output directory for a document's runs: absolute, or relative to its workspace folder. */
export function outputDirectory(document: vscode.Uri): string {
    const configured = vscode.workspace.getConfiguration('gm').get<string>('outputDirectory', '.gm-runs') || '.gm-runs';
    if (path.isAbsolute(configured)) return configured;
    const folder = vscode.workspace.getWorkspaceFolder(document)?.uri.fsPath ?? path.dirname(document.fsPath);
    return path.join(folder, configured);
}
