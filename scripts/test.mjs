#!/usr/bin/env node
// The one test command: build, lint, typecheck, then every test of the workspace in one vitest run.
// The last line printed is `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  return r.status ?? 1;
}

const steps = [
  ['pnpm', ['exec', 'turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']],
  ['pnpm', ['exec', 'biome', 'check', '.']],
];
for (const [cmd, args] of steps) {
  const code = run(cmd, args);
  if (code !== 0) {
    console.log(`\nstep failed: ${cmd} ${args.join(' ')}`);
    console.log('0 passed, 1 failed');
    process.exit(code);
  }
}
const code = run('pnpm', ['exec', 'vitest', 'run', ...process.argv.slice(2)]);
process.exit(code);
