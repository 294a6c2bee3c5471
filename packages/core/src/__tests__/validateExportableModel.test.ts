import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkExportTargets,
  type ExportableModel,
  float32Bytes,
  ValidationError,
  validateExportableModel,
} from '../index.js';

const model = (): ExportableModel => ({
  estimator: 'MLPRegressor',
  part: 'model',
  inputSize: 2,
  layers: [
    {
      name: 'dense_0',
      inputSize: 2,
      units: 3,
      kernel: new Float32Array(6).fill(0.5),
      bias: new Float32Array(3),
      activation: 'relu',
    },
    {
      name: 'dense_1',
      inputSize: 3,
      units: 1,
      kernel: new Float32Array(3).fill(-1),
      bias: Float32Array.of(0.25),
      activation: 'linear',
    },
  ],
});

describe('validateExportableModel', () => {
  it('accepts a well-formed model', () => {
    expect(() => validateExportableModel(model())).not.toThrow();
    expect(() => validateExportableModel(model(), { exporter: 'x' })).not.toThrow();
  });

  it('throws a ValidationError naming the exporter, the layer and the problem', () => {
    const m = model();
    m.layers[1]!.inputSize = 4;
    expect(() => validateExportableModel(m, { exporter: 'myExporter' })).toThrow(ValidationError);
    expect(() => validateExportableModel(m, { exporter: 'myExporter' })).toThrow(
      /^myExporter: cannot export this model: layer 1 \("dense_1"\) takes 4 inputs .* gives 3\.$/,
    );
    expect(() => validateExportableModel(m)).toThrow(/^Cannot export this model: layer 1/);
  });

  const edit =
    (change: (m: ExportableModel) => void) =>
    (m: ExportableModel): ExportableModel => {
      change(m);
      return m;
    };
  const cases: [string, (m: ExportableModel) => unknown, RegExp][] = [
    ['no layers', (m) => ({ ...m, layers: [] }), /no layers/],
    ['inputSize 0', (m) => ({ ...m, inputSize: 0 }), /inputSize must be a positive integer/],
    [
      'a short kernel',
      edit((m) => {
        m.layers[0]!.kernel = new Float32Array(5);
      }),
      /kernel must be/,
    ],
    [
      'a short bias',
      edit((m) => {
        m.layers[1]!.bias = new Float32Array(0);
      }),
      /bias must be/,
    ],
    [
      'a NaN weight',
      edit((m) => {
        m.layers[0]!.kernel[1] = Number.NaN;
      }),
      /NaN or Infinity/,
    ],
    [
      'an unknown activation',
      edit((m) => {
        (m.layers[0] as { activation: string }).activation = 'swish';
      }),
      /unknown activation "swish"/,
    ],
    ['null', () => null, /expected an ExportableModel object/],
  ];
  for (const [what, make, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(() => validateExportableModel(make(model()) as ExportableModel)).toThrow(message);
    });
  }
});

describe('float32Bytes and checkExportTargets', () => {
  it('float32Bytes concatenates little-endian float32s', () => {
    const bytes = float32Bytes([Float32Array.of(1, -2), Float32Array.of(0.5)]);
    expect(bytes.length).toBe(12);
    const view = new DataView(bytes.buffer);
    expect([0, 4, 8].map((o) => view.getFloat32(o, true))).toEqual([1, -2, 0.5]);
  });

  it('checkExportTargets refuses an existing file unless overwrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-export-'));
    const file = join(dir, 'model.bin');
    await expect(checkExportTargets([file], false, 'x')).resolves.toBeUndefined();
    writeFileSync(file, 'old');
    await expect(checkExportTargets([file], false, 'x')).rejects.toThrow(ValidationError);
    await expect(checkExportTargets([file], false, 'x')).rejects.toThrow(/^x: ".*" already exists/);
    await expect(checkExportTargets([file], true, 'x')).resolves.toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('leakyReluAlphaFor', () => {
  it('prefers the export option, then the model, then the exporter default, then 0.2', async () => {
    const { leakyReluAlphaFor } = await import('../index.js');
    const plain = { estimator: 'X', part: 'model', inputSize: 1, layers: [] };
    const recorded = { ...plain, metadata: { leakyReluAlpha: 0.1 } };
    expect(leakyReluAlphaFor(plain)).toBe(0.2);
    expect(leakyReluAlphaFor(plain, undefined, 0.3)).toBe(0.3);
    expect(leakyReluAlphaFor(recorded, undefined, 0.3)).toBe(0.1);
    expect(leakyReluAlphaFor(recorded, 0.05, 0.3)).toBe(0.05);
  });
});

describe('prepareExport and fileExporter', () => {
  it('prepareExport validates the model and resolves a finite leakyRelu slope', async () => {
    const { prepareExport } = await import('../index.js');
    expect(prepareExport(model(), { exporter: 'x' })).toEqual({ leakyReluAlpha: 0.2 });
    expect(prepareExport(model(), { exporter: 'x', leakyReluAlpha: 0.01 })).toEqual({ leakyReluAlpha: 0.01 });
    expect(() => prepareExport(model(), { exporter: 'x', leakyReluAlpha: Number.NaN })).toThrow(
      /^x: leakyReluAlpha must be a finite number, got NaN\.$/,
    );
    expect(() => prepareExport({ ...model(), inputSize: 0 }, { exporter: 'x' })).toThrow(
      /^x: cannot export this model: inputSize/,
    );
  });

  it('fileExporter writes the files in order, lists the last first, and writes nothing on a bad model', async () => {
    const { fileExporter } = await import('../index.js');
    const { readFile, readdir, rm } = await import('node:fs/promises');
    const seen: number[] = [];
    const plugin = fileExporter<{ overwrite?: boolean; leakyReluAlpha?: number; tag?: string }>({
      name: 'demo',
      format: 'demo-format',
      exporter: 'demoExporter',
      browserHint: 'keep the bytes',
      leakyReluAlpha: 0.3,
      files: (m, opts, alpha) => {
        validateExportableModel(m, { exporter: 'demoExporter' });
        seen.push(alpha);
        return [
          { name: 'weights.bin', contents: float32Bytes([m.layers[0]!.bias]) },
          { name: 'model.txt', contents: `${opts.tag ?? 'none'} ${alpha}` },
        ];
      },
    });
    expect([plugin.kind, plugin.name, plugin.format]).toEqual(['exporter', 'demo', 'demo-format']);
    const dir = mkdtempSync(join(tmpdir(), 'lw-file-exporter-'));
    try {
      const out = join(dir, 'out');
      const result = await plugin.export(model(), out, { tag: 'a' });
      expect(result).toEqual({
        format: 'demo-format',
        files: [join(out, 'model.txt'), join(out, 'weights.bin')],
      });
      expect(await readFile(join(out, 'model.txt'), 'utf8')).toBe('a 0.3');
      await expect(plugin.export(model(), out)).rejects.toThrow(/^demoExporter: ".*" already exists/);
      await plugin.export({ ...model(), metadata: { leakyReluAlpha: 0.1 } }, out, { overwrite: true });
      await plugin.export(model(), out, { overwrite: true, leakyReluAlpha: 0.05 });
      expect(seen).toEqual([0.3, 0.3, 0.1, 0.05]);
      const empty = join(dir, 'empty');
      await expect(plugin.export({ ...model(), layers: [] }, empty)).rejects.toThrow(ValidationError);
      await expect(readdir(empty)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
