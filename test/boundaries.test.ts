/**
 * One source of truth, enforced: packages reach each other only through their package.json
 * "exports", and the runtime never sees the AST. The scanner itself is tested on planted
 * violations, so a scanner that finds nothing cannot pass for a clean repository.
 */
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatViolation, readWorkspace, scanFiles, type PackageInfo, type Source } from './boundaries/scanner.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('package boundaries in this repository', () => {
    const { packages, files } = readWorkspace(ROOT);

    test('scans the source, tests and build configs of every package', () => {
        expect(packages.map(p => p.name).sort()).toEqual(['@gm/language', '@gm/runtime', 'gm-vscode']);
        const paths = files.map(f => f.path);
        expect(paths).toContain('packages/extension/esbuild.mjs');
        for (const dir of ['packages/language', 'packages/runtime', 'packages/extension']) {
            expect(paths.some(p => p.startsWith(`${dir}/src/`))).toBe(true);
            expect(paths.some(p => p.startsWith(`${dir}/test/`))).toBe(true);
        }
        expect(paths.some(p => p.includes('/out/') || p.includes('node_modules'))).toBe(false);
    });

    test('no package imports another one past its exports, and the runtime does not see the AST', () => {
        expect(scanFiles(files, packages).map(formatViolation)).toEqual([]);
    });
});

describe('the boundary scanner', () => {
    const packages: PackageInfo[] = [
        { name: '@gm/language', dir: 'packages/language', exports: ['.', './derivation', './protocol', './server'], declared: ['langium'] },
        { name: '@gm/runtime', dir: 'packages/runtime', exports: ['.', './events'], declared: ['@gm/language'] },
        { name: 'gm-vscode', dir: 'packages/extension', exports: [], declared: ['@gm/language'] },
    ];
    const scan = (file: string, text: string) => scanFiles([{ path: file, text } satisfies Source], packages).map(formatViolation);

    test('reports a relative import of another package with its file and line', () => {
        const text = `import * as vscode from 'vscode';\n// see ../../../runtime/src/train/events.ts\nimport type { TrainEvent } from '../../../runtime/src/train/events.js';\n`;
        expect(scan('packages/extension/src/train/events.ts', text)).toEqual([
            expect.stringMatching(
                /^packages\/extension\/src\/train\/events\.ts:3: imports '\.\.\/\.\.\/\.\.\/runtime\/src\/train\/events\.js', a file of @gm\/runtime by relative path/,
            ),
        ]);
    });

    test('reports out/ as well as src/, in dynamic imports, require and import types', () => {
        const text = [
            `const a = await import('../../language/out/lsp/main.js');`,
            `const b = require('../../runtime/out/index.js');`,
            `type C = import('../../language/src/lsp/protocol.js').ModelAtParams;`,
            `export { d } from '../../language/syntaxes/x.js';`,
        ].join('\n');
        expect(scan('packages/extension/test/x.test.ts', text).map(v => v.split(': ')[0])).toEqual([1, 2, 3, 4].map(n => `packages/extension/test/x.test.ts:${n}`));
    });

    test('reports deep paths not in exports, undeclared and unknown workspace packages', () => {
        const text = [
            `import { LENS_COMMANDS } from '@gm/language/lsp/gm-code-lens';`,
            `import { ModelAtRequest } from '@gm/language/protocol';`,
            `import type { TrainEvent } from '@gm/runtime/events';`,
            `import { x } from '@gm/nope';`,
        ].join('\n');
        const found = scan('packages/extension/test/y.test.ts', text);
        expect(found).toEqual([
            expect.stringMatching(/:1: imports '@gm\/language\/lsp\/gm-code-lens', which @gm\/language's package\.json "exports" does not list/),
            expect.stringMatching(/:3: imports @gm\/runtime, which gm-vscode's package\.json does not declare/),
            expect.stringMatching(/:4: imports '@gm\/nope': there is no workspace package/),
        ]);
    });

    test('reports a path into another package in any string (an esbuild entry), not in comments', () => {
        const text = `// bundles packages/language/src/lsp/main.ts\nconst entry = path.join(root, 'packages/language/src/lsp/main.ts');\nconst ok = path.join(here, 'src/extension.ts');\nconst server = resolve(\`@gm/language/lsp/main\`);\n`;
        expect(scan('packages/extension/esbuild.mjs', text)).toEqual([
            expect.stringMatching(/^packages\/extension\/esbuild\.mjs:2: names 'packages\/language\/src\/lsp\/main\.ts', a path into @gm\/language's src\//),
            expect.stringMatching(/^packages\/extension\/esbuild\.mjs:4: imports '@gm\/language\/lsp\/main', which .* does not list/),
        ]);
    });

    test('reports the AST in the runtime: GmAst, generated/ast and langium', () => {
        const text = [
            `import { GmAst, loadDocument } from '@gm/language';`,
            `import type { Model } from '@gm/language/generated/ast';`,
            `import { AstUtils } from 'langium';`,
            `import { derive } from '@gm/language/derivation';`,
            `const m = L.GmAst.isModel(x);`,
        ].join('\n');
        const lines = scan('packages/runtime/src/compile/x.ts', text).map(v => Number(v.split(':')[1]));
        expect(lines).toEqual([1, 2, 2, 3, 5]);
        // The language itself may use its AST; a package's own relative imports are fine.
        expect(
            scan(
                'packages/language/src/x.ts',
                `import { AstUtils } from 'langium';\nimport type { Model } from './generated/ast.js';\nexport * as GmAst from './generated/ast.js';\n`,
            ),
        ).toEqual([]);
        expect(
            scan('packages/runtime/test/x.test.ts', `import { loadCheckpoint } from '../src/checkpoint/index.js';\nconst f = path.join(here, '../src/checkpoint/store.ts');\n`),
        ).toEqual([]);
    });
});
