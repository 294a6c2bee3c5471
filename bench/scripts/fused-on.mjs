// Runs src/fused.ts on another Node from .runtimes/ (installed by `bash scripts/install-runtimes.sh`):
//   node scripts/fused-on.mjs 22|24   (pnpm --filter @layerwise/bench run bench:fused:node22 / :node24)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = process.argv[2];
if (major !== '22' && major !== '24') {
  console.error('usage: node scripts/fused-on.mjs 22|24');
  process.exit(2);
}
const bench = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(bench, '..');
const dir = process.env.LAYERWISE_RUNTIMES
  ? resolve(root, process.env.LAYERWISE_RUNTIMES)
  : join(root, '.runtimes');
const node = join(dir, 'node_modules', `node${major}`, 'bin', 'node');
if (!existsSync(node)) {
  console.error(
    `Node ${major} is not installed in ${dir}: run \`bash scripts/install-runtimes.sh\` at the repository root first.`,
  );
  process.exit(2);
}
const r = spawnSync(node, ['--import', 'tsx', '--conditions=source', 'src/fused.ts'], {
  cwd: bench,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
