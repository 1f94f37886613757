import { defineConfig } from 'vitest/config';

// The end-to-end tests in a real VS Code workbench: one file, steps in order, one browser.
export default defineConfig({
    test: {
        include: ['test/e2e/**/*.e2e.ts'],
        testTimeout: 180_000,
        hookTimeout: 240_000,
        fileParallelism: false,
        sequence: { concurrent: false },
    },
});
