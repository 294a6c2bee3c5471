import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  atomicWriteFile,
  loadModelDir,
  type ModelData,
  ModelFormatError,
  parseManifest,
  StorageError,
  saveModelDir,
  storageError,
} from '../index.js';

const model: ModelData = {
  kind: 'Test',
  params: { a: 1 },
  state: { classes: ['x', 'y'] },
  tensors: [
    { name: 'w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'b', shape: [3], data: Float32Array.from([0.5, -0.5, 0]) },
  ],
};

const made: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-model-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

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

  it('the next save removes the temporary files a killed save left; load never reads one', async () => {
    const dir = tmp();
    const first = await saveModelDir(dir, model);
    // What a save killed mid-write leaves: a temporary weights file and a temporary manifest.
    const staleWeights = `.${first.weights.file}.0123456789ab.tmp`;
    const staleManifest = '.model.json.ba9876543210.tmp';
    writeFileSync(join(dir, staleWeights), 'half a weights file');
    copyFileSync(join(dir, 'model.json'), join(dir, staleManifest));
    // A manifest naming a temporary file as its weights is refused, even when the bytes would match.
    const m = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const sneaky = tmp();
    copyFileSync(join(dir, first.weights.file), join(sneaky, `.${first.weights.file}.aaaaaaaaaaaa.tmp`));
    writeFileSync(
      join(sneaky, 'model.json'),
      JSON.stringify({ ...m, weights: { ...m.weights, file: `.${first.weights.file}.aaaaaaaaaaaa.tmp` } }),
    );
    await expect(loadModelDir(sneaky)).rejects.toThrowError(/names a temporary file/);
    await saveModelDir(dir, { ...model, params: { a: 2 } });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await loadModelDir(dir)).params).toEqual({ a: 2 });
  });

  it('a storage failure is a StorageError and leaves no temporary file', async () => {
    const dir = tmp();
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const e = storageError(enospc, join(dir, 'x.bin'));
    expect(e).toBeInstanceOf(StorageError);
    expect((e as Error).message).toMatch(/Could not write ".*x\.bin": the disk is full \(ENOSPC\)/);
    const other = new TypeError('not storage');
    expect(storageError(other, 'f')).toBe(other);
    // A folder where the file should be: the rename fails (EISDIR is not a storage code) and the temp goes.
    await atomicWriteFile(join(dir, 'ok.txt'), 'fine');
    await saveModelDir(join(dir, 'sub'), model);
    await expect(atomicWriteFile(join(dir, 'sub'), 'x')).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(dir, 'ok.txt'), 'utf8')).toBe('fine');
  });
});
