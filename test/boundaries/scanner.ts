/**
 * Finds imports that cross a package boundary the wrong way: another package's files by relative
 * path, a `@gm/…` deep path its package.json "exports" does not list, a workspace package the
 * importer does not declare, a string naming another package's src/ or out/ (esbuild entries,
 * spawned scripts), and the AST (`GmAst`, `generated/ast`, `langium`) anywhere in the runtime.
 * Files are parsed with TypeScript, so comments and look-alike text never count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export interface PackageInfo {
    name: string;
    /** Folder relative to the repository root, with forward slashes: `packages/language`. */
    dir: string;
    /** The keys of package.json "exports": `.`, `./server` … */
    exports: string[];
    /** Every package it declares (dependencies, devDependencies, optional and peer). */
    declared: string[];
}

export interface Source {
    /** Relative to the repository root, with forward slashes. */
    path: string;
    text: string;
}

export interface Violation {
    file: string;
    line: number;
    message: string;
}

/** The package whose model IR must not see the AST. */
const RUNTIME = '@gm/runtime';
const SOURCE_FILE = /\.(c|m)?(t|j)sx?$/;
/** Calls whose first argument is a module specifier. */
const LOADERS = new Set(['require', 'require.resolve', 'import.meta.resolve', 'vi.mock', 'vi.doMock', 'vi.importActual', 'vi.importMock']);

export const formatViolation = (v: Violation) => `${v.file}:${v.line}: ${v.message}`;

/** The packages and their source, test and config files (no node_modules, no build output). */
export function readWorkspace(root: string): { packages: PackageInfo[]; files: Source[] } {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    const packages = manifest.workspaces.map(dir => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
        const exports = typeof pkg.exports === 'object' && pkg.exports !== null ? Object.keys(pkg.exports) : pkg.exports || pkg.main ? ['.'] : [];
        const declared = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].flatMap(k => Object.keys(pkg[k] ?? {}));
        return { name: pkg.name as string, dir: dir.replace(/\\/g, '/').replace(/\/$/, ''), exports, declared };
    });
    const files: Source[] = [];
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
            const rel = `${dir}/${entry.name}`;
            if (entry.isDirectory()) {
                if (entry.name !== 'node_modules' && entry.name !== 'out' && !entry.name.startsWith('.')) walk(rel);
            } else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
                files.push({ path: rel, text: fs.readFileSync(path.join(root, rel), 'utf8') });
            }
        }
    };
    for (const p of packages) walk(p.dir);
    return { packages, files };
}

export function scanFiles(files: Source[], packages: PackageInfo[]): Violation[] {
    return files.flatMap(f => scanFile(f, packages));
}

/** Every violation in one file; a file outside the packages has none. */
export function scanFile(file: Source, packages: PackageInfo[]): Violation[] {
    const own = packages.find(p => file.path.startsWith(p.dir + '/'));
    if (!own) return [];
    const others = packages.filter(p => p !== own);
    const kind = /\.(c|m)?js$/.test(file.path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
    const found: Violation[] = [];
    const report = (node: ts.Node, message: string) => found.push({ file: file.path, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, message });
    const specifiers = new Set<ts.Node>();

    const checkSpecifier = (node: ts.StringLiteralLike) => {
        specifiers.add(node);
        const spec = node.text;
        if (spec.startsWith('./') || spec.startsWith('../')) {
            const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec));
            const into = others.find(p => target === p.dir || target.startsWith(p.dir + '/'));
            if (into) report(node, `imports '${spec}', a file of ${into.name} by relative path; import ${into.name}'s public entries (package.json "exports") instead`);
        } else {
            checkBare(node);
        }
        if (own.name === RUNTIME && (spec === 'langium' || spec.startsWith('langium/') || /(^|\/)generated\/ast(\.(js|ts))?$/.test(spec))) {
            report(node, `imports '${spec}': the runtime works on the model IR and must not read the AST`);
        }
    };

    // A workspace package by name: only its "exports", and only when the importer declares it.
    const checkBare = (node: ts.StringLiteralLike) => {
        const spec = node.text;
        const target = packages.find(p => spec === p.name || spec.startsWith(p.name + '/'));
        if (!target) {
            if (spec.startsWith('@gm/')) report(node, `imports '${spec}': there is no workspace package by that name`);
            return;
        }
        if (target === own) return;
        const sub = '.' + spec.slice(target.name.length);
        if (!target.exports.includes(sub))
            report(node, `imports '${spec}', which ${target.name}'s package.json "exports" does not list (it has ${target.exports.join(', ') || 'none'})`);
        if (!own.declared.includes(target.name)) report(node, `imports ${target.name}, which ${own.name}'s package.json does not declare as a dependency`);
    };

    // A path to another package's src/ or out/ in any string: esbuild entries, spawned scripts.
    const intoOtherBuild = others.map(p => ({ p, re: new RegExp(`(^|[\\\\/])(packages[\\\\/]|\\.\\.[\\\\/])${escape(path.posix.basename(p.dir))}[\\\\/](src|out)([\\\\/]|$)`) }));
    const checkString = (node: ts.Node, text: string) => {
        for (const { p, re } of intoOtherBuild) {
            if (re.test(text)) report(node, `names '${text}', a path into ${p.name}'s ${re.exec(text)![3]}/; use its public entries (package.json "exports")`);
        }
        if (text.startsWith('@gm/')) checkBare(node as ts.StringLiteralLike);
    };

    const visit = (node: ts.Node): void => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
            checkSpecifier(node.moduleSpecifier);
        } else if (ts.isExternalModuleReference(node) && ts.isStringLiteral(node.expression)) {
            checkSpecifier(node.expression);
        } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
            checkSpecifier(node.argument.literal);
        } else if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
            const callee = node.expression.kind === ts.SyntaxKind.ImportKeyword ? 'import' : node.expression.getText(sf);
            if (callee === 'import' || LOADERS.has(callee)) checkSpecifier(node.arguments[0]);
        } else if (ts.isStringLiteralLike(node) && !specifiers.has(node)) {
            checkString(node, node.text);
        } else if (ts.isTemplateExpression(node)) {
            for (const part of [node.head, ...node.templateSpans.map(s => s.literal)]) checkString(part, part.text);
        }
        if (own.name === RUNTIME && (ts.isIdentifier(node) || ts.isStringLiteral(node)) && node.text === 'GmAst') {
            report(node, `uses GmAst: the runtime works on the model IR and must not read the AST`);
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return found.sort((a, b) => a.line - b.line);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
