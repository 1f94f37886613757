// ESLint (flat config): ESLint's and typescript-eslint's recommended rules over the sources, the tests,
// the benches and the build scripts. Not type-aware: it stays fast on two cores, and `npm run typecheck`
// runs the compiler over the tests.
// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
    globalIgnores([
        '**/node_modules/',
        '**/out/',
        '**/dist/',
        'test-output/',
        '**/.gm-runs/',
        '**/runs/',
        // Written by `langium generate` (npm run build).
        'packages/language/src/generated/',
    ]),
    js.configs.recommended,
    tseslint.configs.recommended,
    {
        languageOptions: {
            ecmaVersion: 2023,
            sourceType: 'module',
            // Everything here runs on Node except the webview scripts, which are TypeScript (no-undef is off there).
            globals: { ...globals.node },
        },
        linterOptions: { reportUnusedDisableDirectives: 'error' },
        rules: {
            // An unused parameter kept for an interface's signature is spelled `_name`.
            '@typescript-eslint/no-unused-vars': [
                'error',
                {
                    args: 'after-used',
                    argsIgnorePattern: '^_',
                    varsIgnorePattern: '^_',
                    caughtErrorsIgnorePattern: '^_',
                    destructuredArrayIgnorePattern: '^_',
                    ignoreRestSiblings: true,
                },
            ],
            // `xs[i]!` is the house style for an index known to be in range (arrays are read as if
            // noUncheckedIndexedAccess were on); typescript-eslint's `strict` set would flag every one.
            '@typescript-eslint/no-non-null-assertion': 'off',
        },
    },
    {
        // CommonJS scripts (the wasm backend's pthread worker): require is how they import.
        files: ['**/*.cjs'],
        languageOptions: { sourceType: 'commonjs' },
        rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
]);
