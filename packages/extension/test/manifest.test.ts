import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LENS_COMMANDS } from '@gm/language/protocol';

const HERE = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'package.json'), 'utf8'));
const extensionSource = fs.readFileSync(path.join(HERE, 'src/extension.ts'), 'utf8');
const commands: Array<{ command: string; title: string; category: string }> = manifest.contributes.commands;

describe('the extension manifest', () => {
    test('the language server code lenses name commands the extension contributes and registers', () => {
        for (const id of Object.values(LENS_COMMANDS)) {
            expect(commands.map(c => c.command)).toContain(id);
            expect(extensionSource).toContain(`command('${id}'`);
        }
    });

    test('every contributed command is registered, in category GM, and in the palette for .gm files', () => {
        expect(commands.map(c => c.title).sort()).toEqual(['Resume Training', 'Sample from Model', 'Show Derivation', 'Show Model Graph', 'Stop Training', 'Train Model']);
        for (const c of commands) {
            expect(c.category).toBe('GM');
            expect(extensionSource).toContain(`command('${c.command}'`);
            expect(manifest.contributes.menus.commandPalette.map((m: { command: string }) => m.command)).toContain(c.command);
        }
        const title = manifest.contributes.menus['editor/title'] as Array<{ command: string; when: string }>;
        for (const id of ['gm.trainModel', 'gm.showDerivation', 'gm.showModelGraph']) expect(title.find(m => m.command === id)?.when).toMatch(/resourceLangId == gm/);
    });

    test('the grammar, language configuration and icon it points to exist after a build', () => {
        const language = manifest.contributes.languages[0];
        expect(language.extensions).toEqual(['.gm']);
        expect(fs.existsSync(path.join(HERE, language.configuration))).toBe(true);
        expect(fs.existsSync(path.join(HERE, language.icon.dark))).toBe(true);
        const config = JSON.parse(fs.readFileSync(path.join(HERE, language.configuration), 'utf8'));
        expect(config.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
        // The grammar is copied from packages/language at build time: its scope must match.
        const grammar = JSON.parse(fs.readFileSync(createRequire(import.meta.url).resolve('@gm/language/syntaxes/gm.tmLanguage.json'), 'utf8'));
        expect(manifest.contributes.grammars[0]).toMatchObject({ language: 'gm', scopeName: grammar.scopeName, path: './out/syntaxes/gm.tmLanguage.json' });
    });

    test('marketplace-ready: a PNG icon of at least 128×128, every image the README shows, a changelog entry for this version', () => {
        const icon = fs.readFileSync(path.join(HERE, manifest.icon));
        expect(icon.subarray(1, 4).toString()).toBe('PNG');
        expect([icon.readUInt32BE(16), icon.readUInt32BE(20)].every(side => side >= 128)).toBe(true);
        const readme = fs.readFileSync(path.join(HERE, 'README.md'), 'utf8');
        const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map(m => m[1]!);
        expect(images.length).toBeGreaterThanOrEqual(4);
        for (const image of images) expect(fs.existsSync(path.join(HERE, image)), image).toBe(true);
        expect(fs.readFileSync(path.join(HERE, 'CHANGELOG.md'), 'utf8')).toContain(`## ${manifest.version}`);
        // vsce rewrites relative links against the repository root; the package lives in a subfolder.
        expect(manifest.scripts.package).toContain('--baseImagesUrl https://github.com/gm-lang/gm/raw/HEAD/packages/extension');
    });

    test('every setting is read by the extension (gm.pythonPath was once declared and never read)', () => {
        const sources = fs.readFileSync(path.join(HERE, 'src', 'settings.ts'), 'utf8');
        for (const name of Object.keys(manifest.contributes.configuration.properties)) {
            expect(sources, name).toContain(`get<${manifest.contributes.configuration.properties[name].type === 'integer' ? 'number' : 'string'}>('${name.replace(/^gm\./, '')}'`);
        }
    });

    test('settings: backend, output directory, preview interval; untrusted workspaces limited', () => {
        const properties = Object.keys(manifest.contributes.configuration.properties);
        expect(properties).toEqual(expect.arrayContaining(['gm.backend', 'gm.outputDirectory', 'gm.previewInterval', 'gm.keepCheckpoints']));
        expect(manifest.capabilities.untrustedWorkspaces.supported).toBe('limited');
        expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toEqual(expect.arrayContaining(['gm.cliPath', 'gm.nodePath', 'gm.pythonPath']));
    });
});
