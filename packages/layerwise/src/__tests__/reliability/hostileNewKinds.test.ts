// Every new file kind hostile-tested like model files (issue 15): checkpoints (read by fit's `resume`),
// transformer files (StandardScaler) and pipeline files (a manifest of step folders). Truncated, wrong
// checksum, size lies, path escapes, `__proto__` keys, a step kind that is not registered → ModelFormatError,
// nothing fitted, no tensor leaked, no code evaluated, no file outside the directory touched.

import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  load,
  MLPClassifier,
  ModelFormatError,
  type ModelManifest,
  makePipeline,
  Pipeline,
  StandardScaler,
} from '../../index.js';

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const root = mkdtempSync(join(tmpdir(), 'lw-hostile-kinds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const work = join(root, 'work');
/** A file beside every case folder: a loader that escapes its folder would read or change it. */
const sentinel = join(work, 'outside.bin');

const X = Array.from({ length: 30 }, (_, i) => [(i % 5) / 5, ((i * 7) % 11) / 11, ((i * 3) % 4) / 4]);
const y = X.map((_, i) => i % 3);
const clfParams = { hiddenLayerSizes: [4], epochs: 3, batchSize: 10, randomState: 2, backend: 'cpu' };
const valid = {
  checkpoint: join(root, 'checkpoint'),
  scaler: join(root, 'scaler'),
  pipeline: join(root, 'pipeline'),
};

beforeAll(async () => {
  // A checkpoint written mid-fit: checkpoint every epoch, and the last one left in place.
  const c = new MLPClassifier({ ...clfParams, checkpoint: { dir: valid.checkpoint } });
  await c.fit(X, y);
  c.dispose();
  const s = new StandardScaler();
  await s.fit(X);
  await s.save(valid.scaler);
  const p = makePipeline(new StandardScaler(), new MLPClassifier(clfParams));
  await p.fit(X, y);
  await p.save(valid.pipeline);
  p.dispose?.();
  cpSync(valid.scaler, join(work, 'probe'), { recursive: true });
  writeFileSync(sentinel, readFileSync(join(valid.scaler, manifestOf(valid.scaler).weights.file)));
});

function manifestOf(dir: string): ModelManifest & Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}
const writeManifest = (dir: string, m: unknown) => writeFileSync(join(dir, 'model.json'), JSON.stringify(m));

type Kind = keyof typeof valid;
interface Case {
  name: string;
  kind: Kind;
  /** Which folder of the copy to damage (a pipeline's step folder, or the copy itself). */
  make: (dir: string) => void | Promise<void>;
  message: RegExp;
}

/** The folder of step `i` inside a pipeline copy. */
const stepDir = (dir: string, i: number) =>
  join(dir, (manifestOf(dir).params.steps as { dir: string }[])[i]!.dir);

/** Defects every model-format file must reject, applied to `target(dir)`. */
function generic(kind: Kind, target: (dir: string) => string = (d) => d): Case[] {
  return [
    {
      name: 'truncated weights',
      kind,
      make: (d) => {
        const t = target(d);
        const w = join(t, manifestOf(t).weights.file);
        writeFileSync(w, readFileSync(w).subarray(0, 3));
      },
      message: /truncated or wrong file/,
    },
    {
      name: 'wrong checksum',
      kind,
      make: (d) => {
        const t = target(d);
        const w = join(t, manifestOf(t).weights.file);
        const b = readFileSync(w);
        b[b.length - 1] = b[b.length - 1]! ^ 0x01;
        writeFileSync(w, b);
      },
      message: /checksum \(SHA-256\) does not match/,
    },
    {
      name: 'size lie (entries claim more bytes than the file has)',
      kind,
      make: (d) => {
        const t = target(d);
        const m = manifestOf(t);
        m.weights.byteLength += 4096;
        m.weights.entries[m.weights.entries.length - 1]!.byteLength += 4096;
        writeManifest(t, m);
      },
      message: /byteLength|bytes but the manifest says/,
    },
    {
      name: 'path escape in the weights file name',
      kind,
      make: async (d) => {
        const t = target(d);
        const m = manifestOf(t);
        // The sentinel holds valid bytes with a matching checksum: only the path check can refuse it.
        m.weights.file = '../outside.bin';
        m.weights.sha256 = sha256Hex(new Uint8Array(readFileSync(sentinel)));
        writeManifest(t, m);
      },
      message: /is not a plain file name/,
    },
    {
      name: 'a temporary file named as the weights',
      kind,
      make: (d) => {
        const t = target(d);
        const m = manifestOf(t);
        const tmp = `.${m.weights.file}.0123456789ab.tmp`;
        cpSync(join(t, m.weights.file), join(t, tmp));
        m.weights.file = tmp;
        writeManifest(t, m);
      },
      message: /names a temporary file/,
    },
    {
      name: 'kind "__proto__"',
      kind,
      make: (d) => {
        const t = target(d);
        writeManifest(t, { ...manifestOf(t), kind: '__proto__' });
      },
      message: /__proto__/,
    },
  ];
}

const cases: Case[] = [
  ...generic('checkpoint'),
  {
    name: 'checkpoint version from the future',
    kind: 'checkpoint',
    make: (d) => {
      const m = manifestOf(d);
      writeManifest(d, { ...m, state: { ...m.state, checkpointVersion: 99 } });
    },
    message: /checkpointVersion 99/,
  },
  {
    name: 'checkpoint whose stage index lies',
    kind: 'checkpoint',
    make: (d) => {
      const m = manifestOf(d);
      writeManifest(d, { ...m, state: { ...m.state, stageIndex: 7 } });
    },
    message: /stageIndex|stage/,
  },
  {
    name: 'checkpoint rng state out of range',
    kind: 'checkpoint',
    make: (d) => {
      const m = manifestOf(d);
      writeManifest(d, { ...m, state: { ...m.state, rngState: -1 } });
    },
    message: /rngState must be a 32-bit unsigned integer/,
  },
  ...generic('scaler'),
  ...generic('pipeline', (d) => stepDir(d, 1)),
  {
    name: 'pipeline step of a kind that is not registered',
    kind: 'pipeline',
    make: (d) => {
      const m = manifestOf(d);
      const steps = m.params.steps as Record<string, unknown>[];
      steps[0] = { ...steps[0], kind: 'EvilStep' };
      writeManifest(d, m);
    },
    message: /kind "EvilStep", which no loader is registered for/,
  },
  {
    name: 'pipeline step kind "__proto__" / "constructor"',
    kind: 'pipeline',
    make: (d) => {
      const m = manifestOf(d);
      const steps = m.params.steps as Record<string, unknown>[];
      steps[0] = { ...steps[0], kind: 'constructor' };
      steps[1] = { ...steps[1], kind: '__proto__' };
      writeManifest(d, m);
    },
    message: /kind "constructor", which no loader is registered for/,
  },
  {
    name: 'pipeline step folder escaping the pipeline',
    kind: 'pipeline',
    make: (d) => {
      const m = manifestOf(d);
      const steps = m.params.steps as Record<string, unknown>[];
      steps[0] = { ...steps[0], dir: '../probe' };
      writeManifest(d, m);
    },
    message: /dir must be "step-0-<12 hex digits>"/,
  },
  {
    name: 'pipeline step listed as one kind, holding another',
    kind: 'pipeline',
    make: (d) => {
      const m = manifestOf(d);
      const steps = m.params.steps as Record<string, unknown>[];
      const s0 = steps[0]!;
      steps[0] = { ...steps[1], name: s0.name, dir: s0.dir };
      writeManifest(d, m);
    },
    message: /is listed as MLPClassifier but its folder holds a StandardScaler/,
  },
  {
    name: 'pipeline with a truncated manifest',
    kind: 'pipeline',
    make: (d) => writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json')).subarray(0, 40)),
    message: /manifest is not valid JSON/,
  },
];

let n = 0;
/** Listing (names, sizes, mtimes) of everything in `work` except the case folder itself. */
function outsideState(except: string): string {
  return readdirSync(work)
    .filter((f) => join(work, f) !== except)
    .map((f) => {
      const s = statSync(join(work, f));
      return `${f}:${s.size}:${s.mtimeMs}`;
    })
    .join('|');
}

/** Reads `dir` as its kind would be read (a checkpoint: by a resumed fit); disposes what loads. */
async function attempt(kind: Kind, dir: string): Promise<string> {
  switch (kind) {
    case 'checkpoint': {
      const est = new MLPClassifier({ ...clfParams, epochs: 6 });
      try {
        await est.fit(X, y, { resume: dir });
      } catch (e) {
        expect(est.isFitted).toBe(false);
        throw e;
      }
      est.dispose();
      return 'resumed';
    }
    case 'scaler':
      await StandardScaler.load(dir);
      return 'loaded';
    case 'pipeline':
      (await Pipeline.load(dir)).dispose?.();
      return 'loaded';
  }
}

describe('reliability: hostile checkpoint, transformer and pipeline files', () => {
  it(`covers ${cases.length} hostile files of 3 kinds`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of cases) {
    it(`${c.kind}: ${c.name} → ModelFormatError, nothing fitted, no leak, nothing outside touched`, async () => {
      const dir = join(work, `case-${++n}`);
      cpSync(valid[c.kind], dir, { recursive: true });
      await c.make(dir);
      const outside = outsideState(dir);
      const before = tf.memory().numTensors;
      const e = await attempt(c.kind, dir).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(ModelFormatError);
      expect((e as Error).message).toMatch(c.message);
      if (c.kind !== 'checkpoint') {
        const viaLoad = await load(dir).catch((err: unknown) => err);
        expect(viaLoad).toBeInstanceOf(ModelFormatError);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(outsideState(dir)).toBe(outside);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('a "__proto__" key inside state or params never reaches Object.prototype (loads as data or is refused)', async () => {
    for (const kind of ['checkpoint', 'scaler', 'pipeline'] as const) {
      const dir = join(work, `proto-${kind}`);
      cpSync(valid[kind], dir, { recursive: true });
      const text = readFileSync(join(dir, 'model.json'), 'utf8')
        .replace('"state": {', '"state": { "__proto__": { "polluted": true },')
        .replace('"params": {', '"params": { "__proto__": { "polluted": true },');
      expect(text).toContain('"__proto__"');
      writeFileSync(join(dir, 'model.json'), text);
      const before = tf.memory().numTensors;
      const r = await attempt(kind, dir).catch((err: unknown) => err);
      if (r instanceof Error) expect(r).toBeInstanceOf(ModelFormatError);
      else expect(r).toMatch(/^(resumed|loaded)$/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
