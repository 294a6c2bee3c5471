// Hostile model files: every malformed, truncated, tampered or absurd model directory is a ModelFormatError
// through load(dir) and through the class's own load, without allocating what the file claims; then a
// seeded fuzz test mutates valid files at random and checks that every outcome is a successful load or a
// ModelFormatError (never a crash, another error, or a hang).

import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  load,
  MLPClassifier,
  MLPRegressor,
  ModelFormatError,
  type ModelManifest,
  Rng,
  StackedAutoencoder,
} from '../../index.js';

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const root = mkdtempSync(join(tmpdir(), 'lw-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const X = Array.from({ length: 10 }, (_, i) => [(i % 3) / 3, ((i * 5) % 7) / 7, ((i * 2) % 5) / 5]);
const labels = X.map((_, i) => i % 2);
const targets = X.map((r) => r[0]! + r[2]!);

type Kind = 'MLPClassifier' | 'MLPRegressor' | 'StackedAutoencoder';
const KINDS: Kind[] = ['MLPClassifier', 'MLPRegressor', 'StackedAutoencoder'];
const CLASSES = { MLPClassifier, MLPRegressor, StackedAutoencoder } as const;
const valid: Record<Kind, string> = {} as Record<Kind, string>;

beforeAll(async () => {
  const common = { epochs: 1, batchSize: 5, backend: 'cpu', randomState: 1 };
  const clf = new MLPClassifier({ ...common, hiddenLayerSizes: [4] });
  await clf.fit(X, labels);
  const reg = new MLPRegressor({ ...common, hiddenLayerSizes: [4, 2] });
  await reg.fit(X, targets);
  const ae = new StackedAutoencoder({ ...common, hiddenLayerSizes: [2], fineTuneEpochs: 1 });
  await ae.fit(X);
  for (const [kind, est] of [
    ['MLPClassifier', clf],
    ['MLPRegressor', reg],
    ['StackedAutoencoder', ae],
  ] as const) {
    valid[kind] = join(root, `valid-${kind}`);
    await est.save(valid[kind]);
  }
});

let n = 0;
/** A copy of a valid model directory to tamper with. */
function copyOf(kind: Kind): string {
  const dir = join(root, `case-${++n}`);
  cpSync(valid[kind], dir, { recursive: true });
  return dir;
}
const manifestPath = (dir: string) => join(dir, 'model.json');
const readManifest = (dir: string) => JSON.parse(readFileSync(manifestPath(dir), 'utf8')) as ModelManifest;
const writeManifest = (dir: string, m: unknown) =>
  writeFileSync(manifestPath(dir), JSON.stringify(m, null, 2));
const weightsPath = (dir: string) => join(dir, readManifest(dir).weights.file);

/** Rewrites the weights (and the manifest's sha256/byteLength) so that only the intended defect remains. */
async function rewriteWeights(dir: string, edit: (f: Float32Array) => void) {
  const m = readManifest(dir);
  const bytes = new Uint8Array(readFileSync(join(dir, m.weights.file)));
  const floats = new Float32Array(bytes.buffer.slice(0));
  edit(floats);
  const out = new Uint8Array(floats.buffer);
  writeFileSync(join(dir, m.weights.file), out);
  m.weights.sha256 = sha256Hex(out);
  writeManifest(dir, m);
}

/** Edits the manifest, keeping it consistent with the weights unless the edit says otherwise. */
function editManifest(dir: string, edit: (m: ModelManifest & Record<string, unknown>) => void) {
  const m = readManifest(dir) as ModelManifest & Record<string, unknown>;
  edit(m);
  writeManifest(dir, m);
}

interface Hostile {
  name: string;
  kind: Kind;
  make: (dir: string) => void | Promise<void>;
  message: RegExp;
}

const hostile: Hostile[] = [
  {
    name: 'truncated weights',
    kind: 'MLPClassifier',
    make: (d) => {
      const p = weightsPath(d);
      writeFileSync(p, readFileSync(p).subarray(0, 10));
    },
    message: /weights file has 10 bytes but the manifest says \d+ \(truncated or wrong file\)/,
  },
  {
    name: 'weights file with extra bytes',
    kind: 'MLPRegressor',
    make: (d) => {
      const p = weightsPath(d);
      writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.alloc(4)]));
    },
    message: /truncated or wrong file/,
  },
  {
    name: 'empty weights file',
    kind: 'StackedAutoencoder',
    make: (d) => writeFileSync(weightsPath(d), ''),
    message: /weights file has 0 bytes/,
  },
  {
    name: 'missing weights file',
    kind: 'MLPClassifier',
    make: (d) => rmSync(weightsPath(d)),
    message: /weights file "weights-[0-9a-f]{16}\.bin" is missing/,
  },
  {
    name: 'checksum mismatch (one flipped byte)',
    kind: 'MLPClassifier',
    make: (d) => {
      const p = weightsPath(d);
      const b = readFileSync(p);
      b[5] = b[5]! ^ 0x40;
      writeFileSync(p, b);
    },
    message: /checksum \(SHA-256\) does not match/,
  },
  {
    name: 'checksum field not hex',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.sha256 = 'z'.repeat(64);
      }),
    message: /sha256 must be 64 hex digits/,
  },
  {
    name: 'entry shapes that do not multiply to the byte count',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[0]!.shape = [3, 5];
      }),
    message: /has byteLength \d+ but shape \[3,5\] needs 60/,
  },
  {
    name: 'entries that do not add up to weights.byteLength',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries.pop();
      }),
    message: /weight entries add up to \d+ bytes but weights.byteLength is \d+/,
  },
  {
    name: 'overlapping offsets',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[1]!.offset = 0;
      }),
    message: /offset is 0, expected \d+/,
  },
  {
    name: 'absurd tensor shape (2^20 × 2^20 floats, 4 TiB)',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        const e = m.weights.entries[0]!;
        const big = 2 ** 20 * 2 ** 20 * 4;
        e.shape = [2 ** 20, 2 ** 20];
        e.byteLength = big;
        let off = 0;
        for (const x of m.weights.entries) {
          x.offset = off;
          off += x.byteLength;
        }
        m.weights.byteLength = off;
      }),
    message: /weights file has \d+ bytes but the manifest says \d+/,
  },
  {
    name: 'absurd dimension beyond safe integers',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[0]!.shape = [2 ** 40, 2 ** 40];
      }),
    message: /absurdly large/,
  },
  {
    name: 'absurd weights.byteLength',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.byteLength = 1e15;
      }),
    message: /weights.byteLength is 1000000000000000/,
  },
  {
    name: 'rank-5 tensor',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[0]!.shape = [1, 1, 1, 1, 12];
      }),
    message: /shape must be an array of 1 to 4 dimensions/,
  },
  {
    name: 'too many weight entries',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries = Array.from({ length: 5000 }, (_, i) => ({
          name: `t${i}`,
          shape: [1],
          dtype: 'float32',
          offset: i * 4,
          byteLength: 4,
        }));
      }),
    message: /too many weight entries \(5000 > 4096\)/,
  },
  {
    name: 'float64 dtype',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        (m.weights.entries[0] as { dtype: string }).dtype = 'float64';
      }),
    message: /dtype must be "float32", got "float64"/,
  },
  {
    name: '".." in the weights path',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.file = '../valid-MLPClassifier/x.bin';
      }),
    message: /is not a plain file name \(paths, ".." and drive letters are refused\)/,
  },
  {
    name: 'weights path exactly ".."',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.file = '..';
      }),
    message: /not a plain file name/,
  },
  {
    name: 'absolute weights path',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.file = '/etc/passwd';
      }),
    message: /not a plain file name/,
  },
  {
    name: 'Windows drive weights path',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.file = 'C:\\Windows\\win.ini';
      }),
    message: /not a plain file name/,
  },
  {
    name: 'NUL byte in the weights path',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.file = `${m.weights.file}\0.txt`;
      }),
    message: /not a plain file name/,
  },
  {
    name: 'unknown format version',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.formatVersion = 2;
      }),
    message: /unknown formatVersion 2: this version of layerwise reads version 1; upgrade layerwise/,
  },
  {
    name: 'format version as a string',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        (m as Record<string, unknown>).formatVersion = '1';
      }),
    message: /unknown formatVersion "1"/,
  },
  {
    name: 'other format',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        (m as Record<string, unknown>).format = 'layers-model';
      }),
    message: /"format" must be "layerwise-model", got "layers-model"/,
  },
  {
    name: 'unknown estimator kind',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.kind = 'RandomForestClassifier';
      }),
    message: /unknown estimator kind "RandomForestClassifier"/,
  },
  {
    name: 'kind "__proto__"',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.kind = '__proto__';
      }),
    message: /unknown estimator kind "__proto__"/,
  },
  {
    name: 'kind missing',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        delete (m as Record<string, unknown>).kind;
      }),
    message: /"kind" must be a string/,
  },
  {
    name: 'manifest not JSON',
    kind: 'MLPClassifier',
    make: (d) => writeFileSync(manifestPath(d), '{"format": "layerwise-model", '),
    message: /manifest is not valid JSON/,
  },
  {
    name: 'manifest empty',
    kind: 'MLPRegressor',
    make: (d) => writeFileSync(manifestPath(d), ''),
    message: /manifest is not valid JSON/,
  },
  {
    name: 'manifest a JSON array',
    kind: 'StackedAutoencoder',
    make: (d) => writeFileSync(manifestPath(d), '[1, 2, 3]'),
    message: /manifest must be a JSON object/,
  },
  {
    name: 'manifest larger than 8 MiB',
    kind: 'MLPClassifier',
    make: (d) => writeFileSync(manifestPath(d), `{"pad": "${'x'.repeat(9 * 2 ** 20)}"}`),
    message: /manifest is larger than 8388608 bytes/,
  },
  {
    name: 'manifest is a folder',
    kind: 'MLPRegressor',
    make: (d) => {
      rmSync(manifestPath(d));
      mkdirSync(manifestPath(d));
    },
    message: /model|manifest/,
  },
  {
    name: 'tensors whose shapes do not match hiddenLayerSizes',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.hiddenLayerSizes = [5];
      }),
    message:
      /Invalid MLPClassifier model: layers.0 has kernel \[3,4\] and bias \[4\], but the params need \[3, 5\]/,
  },
  {
    name: 'more hidden layers in the params than tensors',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.hiddenLayerSizes = [4, 2, 2];
      }),
    message: /expected 8 weight tensors for layers \[3,4,2,2,1\], found 6/,
  },
  {
    name: 'absurd hiddenLayerSizes in the params (must not allocate)',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.hiddenLayerSizes = [1_000_000_000];
      }),
    message: /has shape \[3,2\], the params need \[3,1000000000\]/,
  },
  {
    name: 'inputSize that does not match the kernels',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.state.inputSize = 4;
      }),
    message: /the params need \[4,2\]/,
  },
  {
    name: 'negative inputSize',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.state.inputSize = -3;
      }),
    message: /state.inputSize must be a positive integer/,
  },
  {
    name: 'invalid params (epochs -1)',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.epochs = -1;
      }),
    message: /Invalid MLPRegressor model: .*epochs must be an integer ≥ 1/,
  },
  {
    name: 'unknown param in the file',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.evil = 1;
      }),
    message: /unknown parameter "evil"/,
  },
  {
    name: 'code in params.forward (never evaluated)',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.params.forward = 'x => { process.exit(1) }';
      }),
    message: /params.forward must be null/,
  },
  {
    name: 'duplicate classes',
    kind: 'MLPClassifier',
    make: (d) =>
      editManifest(d, (m) => {
        m.state.classes = [1, 1];
      }),
    message: /state.classes must be ≥ 2 unique numbers or strings/,
  },
  {
    name: 'regressor with oneDimensional and 3 outputs',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.state.outputSize = 3;
      }),
    message: /oneDimensional must be a boolean \(true only for 1 output\)/,
  },
  {
    name: 'duplicate tensor names',
    kind: 'MLPRegressor',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[1]!.name = m.weights.entries[0]!.name;
      }),
    message: /name must be a unique string/,
  },
  {
    name: 'renamed tensor',
    kind: 'StackedAutoencoder',
    make: (d) =>
      editManifest(d, (m) => {
        m.weights.entries[0]!.name = 'encoder.9.kernel';
      }),
    message: /tensor "encoder.0.kernel" is missing/,
  },
  {
    name: 'NaN weights with a valid checksum',
    kind: 'MLPClassifier',
    make: (d) =>
      rewriteWeights(d, (f) => {
        f[2] = Number.NaN;
      }),
    message: /tensor "layers.0.kernel" contains a non-finite value/,
  },
  {
    name: 'Infinity weights with a valid checksum',
    kind: 'StackedAutoencoder',
    make: (d) =>
      rewriteWeights(d, (f) => {
        f[f.length - 1] = Number.NEGATIVE_INFINITY;
      }),
    message: /contains a non-finite value/,
  },
];

describe('reliability: hostile model files', () => {
  it(`covers ${hostile.length} hostile files`, () => {
    expect(hostile.length).toBeGreaterThanOrEqual(30);
  });

  for (const h of hostile) {
    it(`${h.name} → ModelFormatError (load and ${h.kind}.load)`, async () => {
      const dir = copyOf(h.kind);
      await h.make(dir);
      const tensors = tf.memory().numTensors;
      const rss = process.memoryUsage().rss;
      for (const loader of [() => load(dir), () => CLASSES[h.kind].load(dir)]) {
        let error: unknown;
        try {
          await loader();
        } catch (e) {
          error = e;
        }
        expect(error, 'must be rejected').toBeInstanceOf(ModelFormatError);
        expect((error as Error).message).toMatch(h.message);
      }
      expect(tf.memory().numTensors, 'tensors left behind').toBe(tensors);
      // Nothing close to what an absurd manifest claims was allocated.
      expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
    });
  }

  it('a loaded model never reads files outside its folder, even through load(dir) of a relative path', async () => {
    const dir = copyOf('MLPClassifier');
    const back = await load(dir);
    expect(back).toBeInstanceOf(MLPClassifier);
    expect(readdirSync(dir).sort()).toEqual(readdirSync(valid.MLPClassifier).sort());
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fuzz: seeded random mutations of valid files.

const FUZZ_CASES = 200;
const WEIRD: unknown[] = [
  null,
  -1,
  0,
  1,
  2.5,
  1e308,
  -1e308,
  2 ** 53,
  '',
  '..',
  '/etc/passwd',
  'float32',
  'relu',
  true,
  false,
  [],
  [0],
  [1e9],
  {},
  { a: 1 },
];

/** Every path (array of keys) to a value inside a JSON value. */
function paths(
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) paths(x, [...prefix, i], out);
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown, remove: boolean) {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(o)) delete o[last];
  else o[last] = value;
}

/** One seeded mutation of a model directory; returns a description. */
function mutate(dir: string, rng: Rng): string {
  const r = rng.next();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  if (r < 0.3) {
    // Flip 1–4 random bytes of the weights.
    const p = weightsPath(dir);
    const b = readFileSync(p);
    const k = 1 + Math.floor(rng.next() * 4);
    for (let i = 0; i < k; i++) {
      const at = Math.floor(rng.next() * b.length);
      b[at] = b[at]! ^ (1 << Math.floor(rng.next() * 8));
    }
    writeFileSync(p, b);
    return `flip ${k} weight bytes`;
  }
  if (r < 0.45) {
    // Truncate or extend one of the files.
    const p = rng.next() < 0.5 ? weightsPath(dir) : manifestPath(dir);
    const b = readFileSync(p);
    const len = Math.floor(rng.next() * (b.length + 8));
    writeFileSync(
      p,
      len <= b.length ? b.subarray(0, len) : Buffer.concat([b, Buffer.alloc(len - b.length, 7)]),
    );
    return `resize ${p.endsWith('model.json') ? 'manifest' : 'weights'} to ${len}`;
  }
  if (r < 0.6) {
    // Flip a random byte of the manifest text.
    const p = manifestPath(dir);
    const b = readFileSync(p);
    const at = Math.floor(rng.next() * b.length);
    b[at] = Math.floor(rng.next() * 128);
    writeFileSync(p, b);
    return `manifest byte ${at}`;
  }
  // Replace or delete a random JSON field (or several).
  const m = readManifest(dir) as unknown as Record<string, unknown>;
  const k = 1 + Math.floor(rng.next() * 3);
  const done: string[] = [];
  for (let i = 0; i < k; i++) {
    const all = paths(m).filter((p) => p.length > 0);
    const path = pick(all);
    const remove = rng.next() < 0.2;
    const value = structuredClone(pick(WEIRD));
    setAt(m, path, value, remove);
    done.push(`${path.join('.')}${remove ? ' deleted' : `=${JSON.stringify(value)}`}`);
  }
  writeManifest(dir, m);
  return done.join(', ');
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`hang: ${what} took over ${ms} ms`)), ms),
    ),
  ]);

describe('reliability: fuzzed model files', () => {
  it(`${FUZZ_CASES} seeded mutations: each loads or is a ModelFormatError; no crash, no hang, no leak`, async () => {
    const rng = new Rng(20260102);
    const outcomes = { loaded: 0, rejected: 0 };
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const dir = copyOf(kind);
      const what = mutate(dir, rng);
      try {
        const est = await withTimeout(load(dir), 5000, what);
        // A model that loads must work (and its tensors are freed with it).
        const out = await withTimeout(
          (est instanceof StackedAutoencoder
            ? est.transform(X)
            : (est as MLPClassifier | MLPRegressor).predict(X)) as Promise<unknown>,
          5000,
          what,
        );
        expect(Array.isArray(out) || ArrayBuffer.isView(out), what).toBe(true);
        outcomes.loaded++;
        est.dispose();
      } catch (e) {
        // A file saying the model was trained with a custom forward function is well-formed: the caller
        // must pass the function again (functions are never stored), and the error says so.
        const needsForward = e instanceof Error && /custom forward function/.test(e.message);
        if (!(e instanceof ModelFormatError) && !needsForward) {
          throw new Error(
            `mutation #${i} (${kind}: ${what}) gave ${(e as Error)?.name}: ${(e as Error)?.message}`,
          );
        }
        outcomes.rejected++;
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(outcomes.rejected).toBeGreaterThan(FUZZ_CASES / 2);
    // Every loaded model was disposed; failed loads left nothing behind.
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
