import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: ['**/node_modules/**', 'test/e2e/**'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        // Two cores: keep parallelism modest so timing-sensitive child processes are not starved.
        maxWorkers: 2,
    },
});
