import { ModelFormatError, StorageError, ValidationError } from './errors.js';
import { nodeBuiltin } from './nodeFs.js';

/** The `format` field of every layerwise manifest. */
export const MODEL_FORMAT = 'layerwise-model';
/** The manifest version this build writes and reads. */
export const MODEL_FORMAT_VERSION = 1;
/** Name of the manifest file in a model directory. */
export const MANIFEST_FILE = 'model.json';
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
const MAX_TENSORS = 4096;
const MAX_RANK = 4;

/** One named float32 tensor of a saved model. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Everything needed to rebuild an estimator: its kind, params, fitted state (JSON) and weights. */
export interface ModelData {
  kind: string;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  tensors: NamedTensor[];
}

/** One entry of the manifest's weight table. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  byteLength: number;
}

/** The JSON manifest (`model.json`). */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  kind: string;
  createdAt: string;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  weights: { file: string; byteLength: number; sha256: string; entries: WeightEntry[] };
}

/** Lowercase hex SHA-256 (WebCrypto: works in Node and browsers). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as unknown as ArrayBuffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the manifest and the weights bytes (little-endian float32, concatenated). */
export async function serializeModel(
  model: ModelData,
): Promise<{ manifest: ModelManifest; weights: Uint8Array }> {
  let total = 0;
  const entries: WeightEntry[] = model.tensors.map((t) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    // Loading refuses non-finite weights, so saving them would write a model that never loads again.
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new ValidationError(
        `Cannot save: tensor "${t.name}" contains ${t.data[bad]} (value ${bad}); training diverged. Fit again with a lower learningRate or scaled inputs.`,
      );
    }
    if (count !== t.data.length) {
      throw new ValidationError(
        `Tensor "${t.name}" has ${t.data.length} values but shape [${t.shape}] needs ${count}.`,
      );
    }
    const e: WeightEntry = {
      name: t.name,
      shape: [...t.shape],
      dtype: 'float32',
      offset: total,
      byteLength: count * 4,
    };
    total += count * 4;
    return e;
  });
  const weights = new Uint8Array(total);
  const view = new DataView(weights.buffer);
  model.tensors.forEach((t, i) => {
    const off = entries[i]!.offset;
    for (let k = 0; k < t.data.length; k++) view.setFloat32(off + 4 * k, t.data[k]!, true);
  });
  const sha256 = await sha256Hex(weights);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    kind: model.kind,
    createdAt: new Date().toISOString(),
    params: model.params,
    state: model.state,
    weights: { file: `weights-${sha256.slice(0, 16)}.bin`, byteLength: total, sha256, entries },
  };
  return { manifest, weights };
}

function bad(message: string): never {
  throw new ModelFormatError(`Invalid model: ${message}`);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A weights file name must be a plain file name inside the model directory. */
export function checkSafeFileName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255)
    bad(`${field} must be a file name.`);
  const n = name as string;
  if (
    n.includes('/') ||
    n.includes('\\') ||
    n === '.' ||
    n === '..' ||
    n.includes('\0') ||
    /^[a-zA-Z]:/.test(n)
  ) {
    bad(`${field} "${n}" is not a plain file name (paths, ".." and drive letters are refused).`);
  }
  return n;
}

/**
 * Parses and validates a manifest (text) without touching the weights: format, version, kind, file name,
 * sizes, shapes and offsets. `knownKinds` restricts the estimator kinds accepted.
 */
export function parseManifest(text: string, knownKinds?: readonly string[]): ModelManifest {
  if (text.length > MAX_MANIFEST_BYTES) bad(`manifest is larger than ${MAX_MANIFEST_BYTES} bytes.`);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    bad(`manifest is not valid JSON (${(e as Error).message}).`);
  }
  if (!isPlainObject(m)) bad('manifest must be a JSON object.');
  if (m.format !== MODEL_FORMAT) bad(`"format" must be "${MODEL_FORMAT}", got ${JSON.stringify(m.format)}.`);
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    bad(
      `unknown formatVersion ${JSON.stringify(m.formatVersion)}: this version of layerwise reads version ${MODEL_FORMAT_VERSION}; upgrade layerwise to load newer files.`,
    );
  }
  if (typeof m.kind !== 'string') bad('"kind" must be a string.');
  if (knownKinds && !knownKinds.includes(m.kind as string)) {
    bad(`unknown estimator kind ${JSON.stringify(m.kind)}; expected one of ${knownKinds.join(', ')}.`);
  }
  if (!isPlainObject(m.params)) bad('"params" must be an object.');
  if (!isPlainObject(m.state)) bad('"state" must be an object.');
  const w = m.weights;
  if (!isPlainObject(w)) bad('"weights" must be an object.');
  checkSafeFileName(w.file, 'weights.file');
  if (!Number.isSafeInteger(w.byteLength) || (w.byteLength as number) < 0)
    bad('weights.byteLength must be a non-negative integer.');
  if (typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256))
    bad('weights.sha256 must be 64 hex digits.');
  if (!Array.isArray(w.entries)) bad('weights.entries must be an array.');
  const entries = w.entries as unknown[];
  if (entries.length > MAX_TENSORS) bad(`too many weight entries (${entries.length} > ${MAX_TENSORS}).`);
  let expectedOffset = 0;
  const names = new Set<string>();
  for (const [i, e] of entries.entries()) {
    if (!isPlainObject(e)) bad(`weights.entries[${i}] must be an object.`);
    if (typeof e.name !== 'string' || names.has(e.name))
      bad(`weights.entries[${i}].name must be a unique string.`);
    names.add(e.name as string);
    if (e.dtype !== 'float32')
      bad(`weights.entries[${i}].dtype must be "float32", got ${JSON.stringify(e.dtype)}.`);
    if (!Array.isArray(e.shape) || e.shape.length === 0 || e.shape.length > MAX_RANK) {
      bad(`weights.entries[${i}].shape must be an array of 1 to ${MAX_RANK} dimensions.`);
    }
    let count = 1;
    for (const d of e.shape as unknown[]) {
      if (!Number.isSafeInteger(d) || (d as number) < 1)
        bad(`weights.entries[${i}].shape has a bad dimension ${JSON.stringify(d)}.`);
      count *= d as number;
      if (!Number.isSafeInteger(count * 4)) bad(`weights.entries[${i}].shape is absurdly large.`);
    }
    if (e.offset !== expectedOffset)
      bad(`weights.entries[${i}].offset is ${JSON.stringify(e.offset)}, expected ${expectedOffset}.`);
    if (e.byteLength !== count * 4) {
      bad(
        `weights.entries[${i}] ("${e.name}") has byteLength ${JSON.stringify(e.byteLength)} but shape [${e.shape}] needs ${count * 4}.`,
      );
    }
    expectedOffset += count * 4;
  }
  if (expectedOffset !== w.byteLength)
    bad(`weight entries add up to ${expectedOffset} bytes but weights.byteLength is ${w.byteLength}.`);
  return m as unknown as ModelManifest;
}

/** Validates the weights bytes against a parsed manifest (length, checksum) and returns the tensors. */
export async function decodeWeights(manifest: ModelManifest, bytes: Uint8Array): Promise<NamedTensor[]> {
  if (bytes.byteLength !== manifest.weights.byteLength) {
    bad(
      `weights file has ${bytes.byteLength} bytes but the manifest says ${manifest.weights.byteLength} (truncated or wrong file).`,
    );
  }
  const sha = await sha256Hex(bytes);
  if (sha !== manifest.weights.sha256)
    bad('weights checksum (SHA-256) does not match the manifest: the file is corrupted or was changed.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return manifest.weights.entries.map((e) => {
    const n = e.byteLength / 4;
    const data = new Float32Array(n);
    for (let k = 0; k < n; k++) data[k] = view.getFloat32(e.offset + 4 * k, true);
    for (let k = 0; k < n; k++)
      if (!Number.isFinite(data[k]!)) bad(`tensor "${e.name}" contains a non-finite value.`);
    return { name: e.name, shape: [...e.shape], data };
  });
}

const NODE_ONLY_HINT =
  'In a browser, use serializeModel() / parseManifest() + decodeWeights() and store the bytes yourself.';

/** Node's fs/path/crypto without an import a browser bundler would have to resolve (see nodeBuiltin). */
async function nodeFs(what = 'Saving or loading a model directory') {
  return {
    fs: nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises', what, NODE_ONLY_HINT),
    path: nodeBuiltin<typeof import('node:path')>('node:path', what, NODE_ONLY_HINT),
    crypto: nodeBuiltin<typeof import('node:crypto')>('node:crypto', what, NODE_ONLY_HINT),
  };
}

/** Error codes of a write that failed for lack of space or permission (not a bug): a {@link StorageError}. */
const STORAGE_CODES = new Set(['ENOSPC', 'EFBIG', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

/** `e` as a StorageError saying what could not be written, when it is a storage failure; else `e`. */
export function storageError(e: unknown, file: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !STORAGE_CODES.has(code)) return e;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full'
      : code === 'EFBIG'
        ? 'the file is larger than this process may write (disk or ulimit -f limit)'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'EIO'
            ? 'an I/O error occurred'
            : 'permission denied';
  return new StorageError(
    `Could not write "${file}": ${why} (${code}). Nothing half-written was left and the previous file is unchanged; free space or choose another folder, then try again.`,
    { cause: e },
  );
}

/** Temporary files {@link atomicWriteFile} writes next to their target (`.<name>.<12 hex>.tmp`). */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** Temporary files being written by this process right now (never removed as stale). */
const inFlight = new Set<string>();

/**
 * Removes temporary files a killed save left in `dir` (those matching `TEMP_FILE_PATTERN`, except
 * ones this process is writing right now). A missing `dir` is fine.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const { fs, path } = await nodeFs();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const f of names) {
    const full = path.resolve(dir, f);
    if (TEMP_FILE_PATTERN.test(f) && !inFlight.has(full)) {
      await fs.rm(full, { force: true });
      removed.push(f);
    }
  }
  return removed;
}

/**
 * Writes `data` to `file` atomically: a temporary file in the same folder, fsync, then rename. A crash
 * leaves either the old file or the new one, never a half-written file. A write that fails (disk full,
 * file-size limit) removes its temporary file and throws a {@link StorageError}; `file` is unchanged.
 */
export async function atomicWriteFile(file: string, data: Uint8Array | string): Promise<void> {
  const { fs, path, crypto } = await nodeFs();
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`,
  );
  const key = path.resolve(tmp);
  inFlight.add(key);
  try {
    let handle: Awaited<ReturnType<typeof fs.open>>;
    try {
      handle = await fs.open(tmp, 'w');
    } catch (e) {
      throw storageError(e, file);
    }
    try {
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      await fs.rename(tmp, file);
    } catch (e) {
      await handle.close().catch(() => {});
      await fs.rm(tmp, { force: true });
      throw storageError(e, file);
    }
  } finally {
    inFlight.delete(key);
  }
}

/**
 * Checks that `dir` can become a model directory: it is a folder, or it does not exist yet and its nearest
 * existing ancestor is a folder. Throws a ValidationError otherwise — estimators call it before training
 * when `exportPath` is set, so a bad path does not cost a whole fit.
 */
export async function checkModelDirTarget(dir: unknown, name = 'exportPath'): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new ValidationError(`${name} must be a non-empty folder path.`);
  const { fs, path } = await nodeFs();
  let p = path.resolve(dir);
  for (;;) {
    const s = await fs.stat(p).catch(() => undefined);
    if (s) {
      if (!s.isDirectory()) {
        throw new ValidationError(
          `${name} "${dir}": "${p}" exists and is not a folder; a model is saved as a folder (model.json + weights). Choose another path.`,
        );
      }
      return;
    }
    const parent = path.dirname(p);
    if (parent === p) return;
    p = parent;
  }
}

/**
 * Saves a model into directory `dir` (created if needed): the weights under a content-addressed name,
 * then the manifest, each atomically; older weight files are removed last. A crash at any point leaves
 * the previous model loadable; temporary files a killed save left behind are removed first. A full disk is
 * a {@link StorageError} with the previous model still in place and no temporary file left.
 */
export async function saveModelDir(dir: string, model: ModelData): Promise<ModelManifest> {
  const { fs, path } = await nodeFs();
  await checkModelDirTarget(dir, 'save(dir)');
  const { manifest, weights } = await serializeModel(model);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    throw storageError(e, dir);
  }
  // A killed save may have left temporary files: never read, removed here.
  await removeStaleTempFiles(dir);
  await atomicWriteFile(path.join(dir, manifest.weights.file), weights);
  await atomicWriteFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of await fs.readdir(dir)) {
    if (/^weights-[0-9a-f]{16}\.bin$/.test(f) && f !== manifest.weights.file)
      await fs.rm(path.join(dir, f), { force: true });
  }
  return manifest;
}

/** Loads and validates a model directory written by {@link saveModelDir}. Never evaluates code. */
export async function loadModelDir(dir: string, knownKinds?: readonly string[]): Promise<ModelData> {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new ValidationError('load(dir): dir must be a non-empty path string.');
  const { fs, path } = await nodeFs();
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(manifestPath);
  } catch {
    throw new ModelFormatError(
      `No model at "${dir}": ${MANIFEST_FILE} not found. Save one with est.save(dir).`,
    );
  }
  if (!stat.isFile()) bad(`${MANIFEST_FILE} in "${dir}" is not a regular file.`);
  if (stat.size > MAX_MANIFEST_BYTES) bad(`manifest is larger than ${MAX_MANIFEST_BYTES} bytes.`);
  let text: string;
  try {
    text = await fs.readFile(manifestPath, 'utf8');
  } catch {
    bad(`${MANIFEST_FILE} in "${dir}" disappeared while loading; load again.`);
  }
  const manifest = parseManifest(text, knownKinds);
  if (TEMP_FILE_PATTERN.test(manifest.weights.file))
    bad(`weights.file "${manifest.weights.file}" names a temporary file; temporary files are never read.`);
  const weightsPath = path.join(dir, manifest.weights.file);
  let wstat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    wstat = await fs.stat(weightsPath);
  } catch {
    bad(`weights file "${manifest.weights.file}" is missing.`);
  }
  if (!wstat.isFile()) bad(`weights file "${manifest.weights.file}" is not a regular file.`);
  if (wstat.size !== manifest.weights.byteLength) {
    bad(
      `weights file has ${wstat.size} bytes but the manifest says ${manifest.weights.byteLength} (truncated or wrong file).`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(weightsPath));
  } catch {
    // Removed between the check and the read: a save of this directory replaced the model meanwhile.
    bad(
      `weights file "${manifest.weights.file}" disappeared while loading (a save of "${dir}" is running?); load again.`,
    );
  }
  const tensors = await decodeWeights(manifest, bytes);
  return { kind: manifest.kind, params: manifest.params, state: manifest.state, tensors };
}

/** Reads only the estimator kind of a saved model (validating the manifest). */
export async function readModelKind(dir: string): Promise<string> {
  const { fs, path } = await nodeFs();
  try {
    const text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
    return parseManifest(text).kind;
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(
      `No model at "${dir}": ${MANIFEST_FILE} not found. Save one with est.save(dir).`,
    );
  }
}
