import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Each script trains one variable with Adam on the CPU backend, importing only tfjs-core, the CPU
// backend and @layerwise/core; it prints the loss before and after.
const body = (imp: (m: string) => string) => `
const tf = ${imp('@tensorflow/tfjs-core')};
${imp('@tensorflow/tfjs-backend-cpu')};
const core = ${imp('@layerwise/core')};
(async () => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.scalar(5));
  const opt = tf.train.adam(0.5);
  const loss = () => tf.square(tf.sub(w, 2));
  const before = loss().dataSync()[0];
  for (let i = 0; i < 60; i++) opt.minimize(loss);
  console.log(JSON.stringify({ before, after: loss().dataSync()[0], registered: core.gradientsRegistered }));
})();
`;

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function runScript(name: string, source: string): { before: number; after: number } {
  const dir = mkdtempSync(join(pkgDir, '.gradtest-'));
  made.push(dir);
  const file = join(dir, name);
  writeFileSync(file, source);
  const out = execFileSync(process.execPath, [file], { cwd: pkgDir, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('gradients are registered however tfjs-core is imported', () => {
  it('Node ESM (import)', () => {
    const r = runScript(
      'esm.mjs',
      body((m) => `await import('${m}')`).replace('(async () => {', '(async () => {'),
    );
    expect(r.before).toBeCloseTo(9);
    expect(r.after).toBeLessThan(0.05);
  });

  it('Node CJS (require)', () => {
    const r = runScript(
      'cjs.cjs',
      body((m) => `require('${m}')`),
    );
    expect(r.before).toBeCloseTo(9);
    expect(r.after).toBeLessThan(0.05);
  });

  it("a browser bundle (esbuild, platform browser) takes tfjs-core's own ESM gradient module", async () => {
    const { build } = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'lw-bundle-'));
    made.push(dir);
    const entryDir = mkdtempSync(join(pkgDir, '.gradtest-'));
    made.push(entryDir);
    const entry = join(entryDir, 'bundle-entry.mjs');
    writeFileSync(
      entry,
      body((m) => `await import('${m}')`),
    );
    const outfile = join(dir, 'bundle.mjs');
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile,
      write: true,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: pkgDir,
      // file saving imports node: modules lazily; a browser bundler leaves them out
      external: ['node:*'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    // the browser path takes tfjs-core's own gradient module, not the Node bundle
    expect(inputs.some((i) => i.includes('tfjs-core/dist/gradients/'))).toBe(true);
    expect(inputs.some((i) => i.includes('gradients.node.js'))).toBe(false);
    // Training inside a real browser is asserted by examples/browser (headless Chromium).
  });
});
