// Test-only: bundle a child script with esbuild and SIGKILL it once a condition on its checkpoint holds.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles `entry` (a file next to this one) and its workspace imports into one ESM file `outfile`. */
export async function bundleChild(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [join(here, entry)],
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

/** The manifest of the checkpoint in `dir`, or null while there is none (it is replaced atomically). */
export function readManifest(dir: string): { state: Record<string, unknown> } | null {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Runs `node bundle ...args` in `cwd`, polls `dir` every 10 ms and kills the child with SIGKILL as soon as
 * `ready(manifest)` is true. Rejects if the child exits on its own first.
 */
export async function killWhen(
  bundle: string,
  args: string[],
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
      const m = readManifest(dir);
      if (m && ready(m)) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 10);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL' && killed) resolve({ output });
      else reject(new Error(`child exited by itself (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}
