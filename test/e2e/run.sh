#!/usr/bin/env bash
# The end-to-end tests: install code-server and Chromium (idempotent), build and package the
# extension, then drive a real VS Code workbench. Results: test-output/e2e/results.json (vitest
# JSON) and a screenshot per step in test-output/e2e/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
mkdir -p test-output/e2e
rm -f test-output/e2e/*.png
bash test/e2e/setup.sh
npm run package -w packages/extension
exec vitest run --config test/e2e/vitest.config.ts --reporter=default --reporter=json --outputFile.json=test-output/e2e/results.json "$@"
