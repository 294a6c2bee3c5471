import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelDir, type ModelData, ModelFormatError, parseManifest, saveModelDir } from '../index.js';

const model: ModelData = {
  kind: 'Test',
  params: { a: 1 },
  state: { classes: ['x', 'y'] },
  tensors: [
    { name: 'w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'b', shape: [3], data: Float32Array.from([0.5, -0.5, 0]) },
  ],
};

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lw-model-'));
}

describe('model format', () => {
  it('saves and loads back exactly, with content-addressed weights and no temp files left', async () => {
    const dir = tmp();
    const manifest = await saveModelDir(dir, model);
    expect(manifest.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir).sort()).toEqual(['model.json', manifest.weights.file].sort());
    const back = await loadModelDir(dir, ['Test']);
    expect(back.kind).toBe('Test');
    expect(back.state).toEqual({ classes: ['x', 'y'] });
    expect(back.tensors.map((t) => [t.name, t.shape, Array.from(t.data)])).toEqual(
      model.tensors.map((t) => [t.name, t.shape, Array.from(t.data)]),
    );
    // saving again replaces the weights file and removes the old one
    await saveModelDir(dir, { ...model, tensors: [{ name: 'w', shape: [1], data: Float32Array.from([9]) }] });
    expect(readdirSync(dir).length).toBe(2);
  });

  it('rejects hostile files with ModelFormatError', async () => {
    const dir = tmp();
    const manifest = await saveModelDir(dir, model);
    const mpath = join(dir, 'model.json');
    const good = readFileSync(mpath, 'utf8');
    const wpath = join(dir, manifest.weights.file);
    const weights = readFileSync(wpath);
    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary manifest fields
    const mutate = async (edit: (m: Record<string, any>) => void, message: RegExp) => {
      const m = JSON.parse(good);
      edit(m);
      writeFileSync(mpath, JSON.stringify(m));
      await expect(loadModelDir(dir, ['Test'])).rejects.toThrowError(ModelFormatError);
      await expect(loadModelDir(dir, ['Test'])).rejects.toThrowError(message);
      writeFileSync(mpath, good);
    };
    await mutate((m) => (m.formatVersion = 99), /unknown formatVersion 99/);
    await mutate((m) => (m.kind = 'Evil'), /unknown estimator kind "Evil"/);
    await mutate((m) => (m.weights.file = '../../etc/passwd'), /not a plain file name/);
    await mutate((m) => (m.weights.file = '/etc/passwd'), /not a plain file name/);
    await mutate((m) => (m.weights.entries[0].shape = [4, 3]), /needs 48/);
    await mutate((m) => (m.weights.entries[0].shape = [1e9, 1e9]), /absurdly large|needs/);
    await mutate((m) => (m.weights.byteLength = 1e12), /add up to 36 bytes/);
    await mutate((m) => (m.weights.sha256 = '0'.repeat(64)), /checksum/);
    writeFileSync(wpath, weights.subarray(0, 10));
    await expect(loadModelDir(dir)).rejects.toThrowError(/10 bytes but the manifest says 36/);
    writeFileSync(wpath, weights);
    writeFileSync(mpath, '{not json');
    await expect(loadModelDir(dir)).rejects.toThrowError(/not valid JSON/);
    await expect(loadModelDir(join(dir, 'nope'))).rejects.toThrowError(/No model at/);
  });

  it('parseManifest validates offsets', () => {
    const m = {
      format: 'layerwise-model',
      formatVersion: 1,
      kind: 'Test',
      params: {},
      state: {},
      weights: {
        file: 'w.bin',
        byteLength: 8,
        sha256: 'a'.repeat(64),
        entries: [{ name: 'a', shape: [1], dtype: 'float32', offset: 4, byteLength: 4 }],
      },
    };
    expect(() => parseManifest(JSON.stringify(m))).toThrowError(/offset is 4, expected 0/);
  });
});
