import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import {
  ACTIVATIONS,
  type ActivationName,
  type DenseLayerSpec,
  type ExportableModel,
  type ExporterPlugin,
  type ExportResult,
  Registry,
  Rng,
  validatePlugin,
} from '@layerwise/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceForward } from './referenceForward.js';

/** What {@link CheckExporterOptions.verify} gets: the model, what was written, and an input batch. */
export interface ExporterVerifyContext {
  model: ExportableModel;
  result: ExportResult;
  /** The target directory passed to `export`. */
  target: string;
  /** Input batch, row-major `[rows, model.inputSize]`. */
  input: Float32Array;
  rows: number;
  /** The reference outputs (row-major `[rows, units of the last layer]`), computed in float64. */
  expected: Float64Array;
}

/** Options of {@link checkExporter}. */
export interface CheckExporterOptions {
  /**
   * Reads what the exporter wrote in its own ecosystem (e.g. `tf.loadLayersModel`, an onnxruntime session),
   * runs it on `ctx.input` and returns the outputs; the suite compares them with a float64 reference
   * forward pass. Returning nothing skips the comparison (the callback may assert itself).
   */
  verify?: (
    ctx: ExporterVerifyContext,
  ) => Promise<ArrayLike<number> | undefined | void> | ArrayLike<number> | undefined | void;
  /** Activations the format supports (each gets a one-layer export). Default: every layerwise activation. */
  activations?: readonly ActivationName[];
  /** Absolute tolerance of verify's outputs against the reference. Default `1e-4`. */
  tolerance?: number;
  /** Suite name. Default: the plugin's format. */
  name?: string;
  /** Skip the whole suite with this reason (shown in the report). */
  skip?: string | false | undefined;
}

const LEAKY_ALPHA = 0.1;

function layer(
  rng: Rng,
  name: string,
  inputSize: number,
  units: number,
  activation: ActivationName,
): DenseLayerSpec {
  const kernel = new Float32Array(inputSize * units);
  for (let i = 0; i < kernel.length; i++) kernel[i] = (rng.next() * 2 - 1) * 0.8;
  const bias = new Float32Array(units);
  for (let i = 0; i < units; i++) bias[i] = (rng.next() * 2 - 1) * 0.3;
  return { name, inputSize, units, kernel, bias, activation };
}

/** A small three-layer model (4 → 5 relu → 3 tanh → 2 softmax) with seeded weights. */
export function smallExportableModel(
  activations: readonly ActivationName[] = ['relu', 'tanh', 'softmax'],
): ExportableModel {
  const rng = new Rng(11);
  const sizes = [4, 5, 3, 2].slice(0, activations.length + 1);
  return {
    estimator: 'MLPClassifier',
    part: 'model',
    inputSize: 4,
    layers: activations.map((a, i) => layer(rng, `layers.${i}`, sizes[i]!, sizes[i + 1]!, a)),
    metadata: { classes: [0, 1], leakyReluAlpha: LEAKY_ALPHA },
  };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function snapshot(model: ExportableModel): unknown {
  return structuredClone(model);
}

/**
 * The conformance suite of an exporter plugin, as vitest cases: a well-formed plugin; exporting a small
 * model writes files that exist inside the target and returns `{ format, files }`; what it wrote reads back
 * in its ecosystem with the reference outputs (through `verify`), for the small model and a one-layer model
 * per activation; it refuses to overwrite without `overwrite: true` (leaving the files as they were) and
 * overwrites with it; it rejects malformed models before writing anything; it never mutates the model.
 *
 * ```ts
 * checkExporter(() => onnxExporter(), { verify: async ({ result, input, rows, model }) => runInOnnxruntime(...) });
 * ```
 *
 * @param factory makes a fresh exporter plugin.
 */
export function checkExporter(factory: () => ExporterPlugin, options: CheckExporterOptions = {}): void {
  let name = options.name;
  if (!name) {
    try {
      name = factory().format;
    } catch {
      name = 'exporter';
    }
  }
  const tol = options.tolerance ?? 1e-4;
  const skip = options.skip || undefined;
  let tmp = '';
  let n = 0;
  const target = (label: string) => join(tmp, `${++n}-${label}`);
  const rows = 7;
  const input = (() => {
    const rng = new Rng(5);
    return Float32Array.from({ length: rows * 4 }, () => rng.next() * 4 - 2);
  })();

  const verify = async (model: ExportableModel, result: ExportResult, dir: string) => {
    if (!options.verify) return;
    const x = input.subarray(0, rows * model.inputSize);
    const expected = referenceForward(model, x, rows);
    const got = await options.verify({ model, result, target: dir, input: x, rows, expected });
    if (got === undefined || got === null) return;
    expect(got.length, 'verify: number of outputs').toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      if (!(Math.abs(got[i]! - expected[i]!) <= tol)) {
        expect.fail(
          `${model.layers.map((l) => l.activation).join('→')}: output ${i} is ${got[i]}, expected ${expected[i]} (tolerance ${tol})`,
        );
      }
    }
  };

  (skip ? describe.skip : describe)(`checkExporter: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'layerwise-checkExporter-'));
    });
    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('is a well-formed exporter plugin that registry.use() accepts and finds by format', () => {
      const plugin = factory();
      expect(() => validatePlugin(plugin)).not.toThrow();
      expect(plugin.kind).toBe('exporter');
      expect(plugin.format.length).toBeGreaterThan(0);
      expect(new Registry().use(plugin).exporter(plugin.format)).toBe(plugin);
    });

    it('writes a small model: returns { format, files } and every file exists inside the target', async () => {
      const plugin = factory();
      const model = smallExportableModel();
      const dir = target('small');
      const result = await plugin.export(model, dir);
      expect(result.format).toBe(plugin.format);
      expect(Array.isArray(result.files)).toBe(true);
      expect(result.files.length).toBeGreaterThan(0);
      const root = resolve(dir) + sep;
      for (const f of result.files) {
        expect(typeof f).toBe('string');
        expect(existsSync(f), `${f} exists`).toBe(true);
        expect(statSync(f).isFile()).toBe(true);
        expect(statSync(f).size).toBeGreaterThan(0);
        expect(resolve(f).startsWith(root), `${f} is inside ${dir}`).toBe(true);
      }
      // No temporary files left behind.
      expect(listFiles(dir).filter((f) => /\.tmp$/.test(f))).toEqual([]);
      await verify(model, result, dir);
    });

    it('creates a target directory that does not exist yet (nested)', async () => {
      const dir = join(target('nested'), 'a', 'b');
      const result = await factory().export(smallExportableModel(), dir);
      for (const f of result.files) expect(existsSync(f)).toBe(true);
    });

    const activations = options.activations ?? ACTIVATIONS;
    it(`exports each supported activation (${activations.join(', ')}) with the reference outputs`, async () => {
      const plugin = factory();
      for (const a of activations) {
        const model = smallExportableModel(['tanh', a]);
        const dir = target(a);
        const result = await plugin.export(model, dir);
        expect(result.files.length).toBeGreaterThan(0);
        await verify(model, result, dir);
      }
    });

    it('refuses to overwrite existing files without overwrite: true, and leaves them as they were', async () => {
      const plugin = factory();
      const dir = target('overwrite');
      const first = await plugin.export(smallExportableModel(), dir);
      const before = first.files.map((f) => readFileSync(f));
      const other = smallExportableModel(['relu', 'relu', 'linear']);
      let error: unknown;
      try {
        await plugin.export(other, dir);
      } catch (e) {
        error = e;
      }
      expect(error, 'a second export into the same target must throw').toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/overwrite/);
      for (const [i, f] of first.files.entries()) {
        expect(readFileSync(f).equals(before[i]!), `${f} unchanged`).toBe(true);
      }
      const second = await plugin.export(other, dir, { overwrite: true });
      expect(second.files.length).toBeGreaterThan(0);
      await verify(other, second, dir);
    });

    it('does not touch unrelated files in the target directory', async () => {
      const dir = target('unrelated');
      await factory().export(smallExportableModel(), join(dir, 'probe'));
      const mine = join(dir, 'notes.txt');
      await writeFile(mine, 'keep me');
      await factory().export(smallExportableModel(), dir);
      expect(readFileSync(mine, 'utf8')).toBe('keep me');
    });

    const good = () => smallExportableModel();
    const badModels: [string, () => unknown][] = [
      ['no layers', () => ({ ...good(), layers: [] })],
      [
        'a kernel of the wrong length',
        () => {
          const m = good();
          m.layers[1]!.kernel = new Float32Array(3);
          return m;
        },
      ],
      [
        'a bias of the wrong length',
        () => {
          const m = good();
          m.layers[0]!.bias = new Float32Array(1);
          return m;
        },
      ],
      [
        'a NaN weight',
        () => {
          const m = good();
          m.layers[0]!.kernel[2] = Number.NaN;
          return m;
        },
      ],
      [
        'an Infinity bias',
        () => {
          const m = good();
          m.layers[2]!.bias[0] = Number.POSITIVE_INFINITY;
          return m;
        },
      ],
      [
        'an unknown activation',
        () => {
          const m = good();
          (m.layers[0] as { activation: string }).activation = 'swish';
          return m;
        },
      ],
      [
        'layer sizes that do not chain',
        () => {
          const m = good();
          m.layers[1]!.inputSize = 7;
          return m;
        },
      ],
      ['inputSize 0', () => ({ ...good(), inputSize: 0 })],
      ['null', () => null],
    ];
    for (const [what, make] of badModels) {
      it(`rejects a model with ${what} before writing anything`, async () => {
        const dir = target('bad');
        let error: unknown;
        try {
          await factory().export(make() as ExportableModel, dir);
        } catch (e) {
          error = e;
        }
        expect(error, `a model with ${what} must be rejected`).toBeInstanceOf(Error);
        expect((error as Error).message.length).toBeGreaterThan(20);
        expect(listFiles(dir), 'nothing written').toEqual([]);
      });
    }

    it('rejects an empty target path', async () => {
      await expect(factory().export(smallExportableModel(), '')).rejects.toThrow();
    });

    it('does not mutate the model', async () => {
      const model = smallExportableModel();
      const before = snapshot(model);
      await factory().export(model, target('pure'));
      expect(model).toEqual(before);
    });
  });
}
