// Child-process helpers for tests: bundle a TypeScript script with esbuild (an optional peer dependency,
// imported only when called), run it with node, SIGKILL it once a checkpoint condition holds.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LayerwiseError } from '@layerwise/core';

/**
 * Bundles `entry` (a TypeScript or JavaScript file: an absolute path or a `file:` URL) and its workspace
 * imports (through the `source` export condition) into one ESM file `outfile` that `node` runs, with one
 * copy of tfjs-core and its gradients. Returns `outfile`. Needs `esbuild`.
 *
 * ```ts
 * const bundle = await bundleChild(new URL('./child.ts', import.meta.url), join(tmp, 'child.mjs'));
 * ```
 */
export async function bundleChild(entry: string | URL, outfile: string): Promise<string> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [typeof entry === 'string' ? entry : fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // One copy of tfjs-core (its ESM build) for the package, its backends and its gradients.
    mainFields: ['module', 'main'],
    conditions: ['source'],
    logLevel: 'silent',
    // core registers tfjs' gradients through a subpath import; in one ESM bundle, the ESM module does it.
    plugins: [
      {
        name: 'gradients',
        setup(b) {
          b.onResolve({ filter: /^#tfjs-gradients$/ }, (a) =>
            b.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js', {
              kind: 'import-statement',
              resolveDir: a.resolveDir,
            }),
          );
        },
      },
    ],
    banner: {
      js: "import { createRequire as __lwCreateRequire } from 'node:module'; const require = __lwCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}

/** The manifest (`model.json`) of the checkpoint in `dir`, or null while there is none (it is replaced atomically). */
export function readCheckpointManifest(dir: string): { state: Record<string, unknown> } | null {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Runs `node bundle ...args` in `cwd`, polls the checkpoint in `dir` every 10 ms and kills the child with
 * SIGKILL (no exit handlers, no cleanup) as soon as `ready(manifest)` is true. Resolves with what the child
 * wrote (stdout and stderr); rejects if the child exits on its own first.
 */
export async function killChildWhen(
  bundle: string,
  args: readonly string[],
  cwd: string,
  dir: string,
  ready: (manifest: { state: Record<string, unknown> }) => boolean,
): Promise<{ output: string }> {
  const child = spawn(process.execPath, [bundle, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve, reject) => {
    let killed = false;
    const timer = setInterval(() => {
      if (killed) return;
      const m = readCheckpointManifest(dir);
      if (m && ready(m)) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL' && killed) resolve({ output });
      else reject(new LayerwiseError(`child exited by itself (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}
