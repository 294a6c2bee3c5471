#!/usr/bin/env node
// The one test command: build, lint, typecheck, the API-reference check, then every test of the workspace in one vitest run.
// The last line printed is `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  return r.status ?? 1;
}

const steps = [
  ['pnpm', ['exec', 'turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']],
  ['pnpm', ['exec', 'biome', 'check', '.']],
  // every exported symbol has TSDoc and TypeDoc converts the API reference without a warning (`pnpm docs`)
  ['node', ['scripts/docs.mjs', '--check']],
];
for (const [cmd, args] of steps) {
  const code = run(cmd, args);
  if (code !== 0) {
    console.log(`\nstep failed: ${cmd} ${args.join(' ')}`);
    console.log('0 passed, 1 failed');
    process.exit(code);
  }
}
const summaryFile = join(tmpdir(), `layerwise-vitest-${process.pid}.json`);
const code = run('pnpm', [
  'exec',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${summaryFile}`,
  ...process.argv.slice(2),
]);
let line = `0 passed, 1 failed`;
if (existsSync(summaryFile)) {
  const r = JSON.parse(readFileSync(summaryFile, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  // a test file that failed to load counts as a failure even though it has no tests
  const brokenFiles = r.testResults.filter(
    (f) => f.status === 'failed' && f.assertionResults.length === 0,
  ).length;
  line = `${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${skipped} skipped`;
  rmSync(summaryFile, { force: true });
}
console.log(`\n${line}`);
process.exit(code);
