#!/usr/bin/env bash
# What `npm install layerwise @tensorflow/tfjs-core` brings, measured from this checkout's packed tarballs (as
# a release would publish them; the packages' dependencies on each other resolve to those tarballs, third-party
# ones come from the npm registry). Needs `pnpm build` first. Prints the total and the biggest packages.
# Usage: scripts/install-size.sh [extra npm packages…]   e.g. scripts/install-size.sh @tensorflow/tfjs-backend-webgl@4.22.0
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-install-size-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/packs" "$WORK/app"
pnpm -r --filter './packages/*' pack --pack-destination "$WORK/packs" >/dev/null
node - "$WORK" "$ROOT" "$@" <<'EOF'
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [work, root, ...extra] = process.argv.slice(2);
const packs = join(work, 'packs');
const deps = {};
for (const d of readdirSync(join(root, 'packages'))) {
  const pj = JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8'));
  if (pj.private) continue;
  deps[pj.name] = `file:${join(packs, `${pj.name.replace(/^@/, '').replace('/', '-')}-${pj.version}.tgz`)}`;
}
const wanted = { layerwise: deps.layerwise, '@tensorflow/tfjs-core': '4.22.0' };
for (const e of extra) {
  const at = e.lastIndexOf('@');
  wanted[e.slice(0, at)] = e.slice(at + 1);
}
writeFileSync(
  join(work, 'app', 'package.json'),
  JSON.stringify({ name: 'size', private: true, dependencies: wanted, overrides: Object.fromEntries(Object.entries(deps).map(([n]) => [n, deps[n]])) }, null, 2),
);
EOF
cd "$WORK/app"
npm install --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
echo "npm install layerwise @tensorflow/tfjs-core $* ($(npm --version) on Node $(node --version), $(date -u +%F), commit $(git -C "$ROOT" rev-parse --short HEAD)):"
echo "  total: $(du -sm node_modules | cut -f1) MB ($(npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l) packages)"
echo "  @tensorflow/*: $(du -sm node_modules/@tensorflow | cut -f1) MB — $(cd node_modules/@tensorflow && du -sm -- * | sort -rn | awk '{printf "%s %s MB, ", $2, $1}')"
echo "  biggest: $(du -sm node_modules/* node_modules/@*/* 2>/dev/null | sort -rn | head -6 | awk '{sub("node_modules/", "", $2); printf "%s %s MB, ", $2, $1}')"
