import { ValidationError } from './errors.js';
import { atomicWriteFile } from './modelFormat.js';
import { nodeBuiltin } from './nodeFs.js';
import {
  ACTIVATIONS,
  type ExportableModel,
  type ExporterPlugin,
  type ExportOptions,
  type ExportResult,
} from './plugins.js';

/** Options of {@link validateExportableModel}. */
export interface ValidateExportableModelOptions {
  /** Name put in front of every message, e.g. `'onnxExporter'`. */
  exporter?: string;
}

const isPosInt = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) > 0;

/**
 * Checks an {@link ExportableModel} before anything is written: sizes chain from `inputSize` through every
 * layer, kernels and biases are `Float32Array`s of the right length with finite values, activations are
 * known. Throws a `ValidationError` naming the layer and the problem.
 */
export function validateExportableModel(
  model: ExportableModel,
  options: ValidateExportableModelOptions = {},
): void {
  const prefix = options.exporter ? `${options.exporter}: cannot` : 'Cannot';
  const fail = (msg: string): never => {
    throw new ValidationError(`${prefix} export this model: ${msg}`);
  };
  if (typeof model !== 'object' || model === null) fail('expected an ExportableModel object.');
  if (!isPosInt(model.inputSize))
    fail(`inputSize must be a positive integer, got ${JSON.stringify(model.inputSize)}.`);
  if (!Array.isArray(model.layers) || model.layers.length === 0) fail('it has no layers.');
  const t = model.inputTransform;
  if (t !== undefined) {
    const n = model.inputSize;
    if (typeof t !== 'object' || t === null) fail('inputTransform must be an object.');
    if (!(t.offset instanceof Float32Array) || t.offset.length !== n)
      fail(`inputTransform.offset must be a Float32Array of ${n} values (one per input feature).`);
    if (!(t.scale instanceof Float32Array) || t.scale.length !== n)
      fail(`inputTransform.scale must be a Float32Array of ${n} values (one per input feature).`);
    if (!t.offset.every(Number.isFinite) || !t.scale.every((v) => Number.isFinite(v) && v !== 0))
      fail('inputTransform: offsets must be finite and scales finite and non-zero.');
    if (
      t.clip !== undefined &&
      !(
        Array.isArray(t.clip) &&
        t.clip.length === 2 &&
        t.clip.every(Number.isFinite) &&
        t.clip[0] < t.clip[1]
      )
    )
      fail(`inputTransform.clip must be [low, high] with low < high, got ${JSON.stringify(t.clip)}.`);
  }
  let size = model.inputSize;
  model.layers.forEach((layer, i) => {
    const where = `layer ${i} (${JSON.stringify(layer?.name)})`;
    if (typeof layer !== 'object' || layer === null) fail(`layer ${i} is not an object.`);
    if (typeof layer.name !== 'string' || layer.name.length === 0) fail(`layer ${i} has no name.`);
    if (!isPosInt(layer.units))
      fail(`${where}: units must be a positive integer, got ${JSON.stringify(layer.units)}.`);
    if (layer.inputSize !== size) {
      fail(
        `${where} takes ${JSON.stringify(layer.inputSize)} inputs but the previous layer (or the model input) gives ${size}.`,
      );
    }
    if (!(layer.kernel instanceof Float32Array) || layer.kernel.length !== size * layer.units) {
      fail(
        `${where}: kernel must be a Float32Array of ${size}×${layer.units} = ${size * layer.units} values (row-major [inputSize, units]), got ${layer.kernel?.length ?? 'none'}.`,
      );
    }
    if (!(layer.bias instanceof Float32Array) || layer.bias.length !== layer.units) {
      fail(
        `${where}: bias must be a Float32Array of ${layer.units} values, got ${layer.bias?.length ?? 'none'}.`,
      );
    }
    if (!ACTIVATIONS.includes(layer.activation)) {
      fail(
        `${where}: unknown activation ${JSON.stringify(layer.activation)}; expected one of ${ACTIVATIONS.join(', ')}.`,
      );
    }
    if (!layer.kernel.every(Number.isFinite) || !layer.bias.every(Number.isFinite)) {
      fail(`${where}: weights contain NaN or Infinity.`);
    }
    size = layer.units;
  });
}

/** Little-endian float32 bytes of the arrays, concatenated (what exporters write as weights). */
export function float32Bytes(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let off = 0;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++, off += 4) view.setFloat32(off, a[k]!, true);
  }
  return bytes;
}

/**
 * Refuses to replace existing files unless `overwrite`: throws a `ValidationError` (prefixed with
 * `exporter`) for the first of `files` that exists. Exporters call it before writing anything. Node only
 * (loads `node:fs/promises` with {@link nodeBuiltin}, and only when `overwrite` is false).
 */
export async function checkExportTargets(
  files: readonly string[],
  overwrite: boolean,
  exporter: string,
): Promise<void> {
  if (overwrite) return;
  const { stat } = nodeBuiltin<typeof import('node:fs/promises')>(
    'node:fs/promises',
    exporter,
    'Exporting to files works in Node.js only.',
  );
  for (const f of files) {
    const exists = await stat(f).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new ValidationError(
        `${exporter}: "${f}" already exists; pass { overwrite: true } to replace it, or export to another directory.`,
      );
    }
  }
}

/** One file an exporter writes: its name inside the target directory and its contents. */
export interface ExportFile {
  name: string;
  contents: Uint8Array | string;
}

/** Options of {@link writeExportFiles}. */
export interface WriteExportFilesOptions {
  /** Replace existing files. Default false: an existing one is a ValidationError and nothing is written. */
  overwrite?: boolean;
  /** The exporter's name, for messages (`onnxExporter`). */
  exporter: string;
  /** What to do in a browser instead (where files cannot be written). */
  browserHint: string;
}

/**
 * Writes an export's files into the directory `target`, in the order given (put the file that names the
 * others last): checks `target` is a path, refuses to replace existing files unless `overwrite` (before
 * writing anything), creates the directory and writes each file atomically. Returns the paths written.
 * Node only.
 */
export async function writeExportFiles(
  target: unknown,
  files: readonly ExportFile[],
  options: WriteExportFilesOptions,
): Promise<string[]> {
  const { exporter } = options;
  if (typeof target !== 'string' || target.length === 0) {
    throw new ValidationError(`${exporter}: the target must be a directory path.`);
  }
  const { mkdir } = nodeBuiltin<typeof import('node:fs/promises')>(
    'node:fs/promises',
    exporter,
    options.browserHint,
  );
  const { join } = nodeBuiltin<typeof import('node:path')>('node:path', exporter);
  const paths = files.map((f) => join(target, f.name));
  await checkExportTargets(paths, options.overwrite === true, exporter);
  await mkdir(target, { recursive: true });
  for (const [i, f] of files.entries()) await atomicWriteFile(paths[i]!, f.contents);
  return paths;
}

/** tfjs' default negative slope of `tf.leakyRelu`. */
export const DEFAULT_LEAKY_RELU_ALPHA = 0.2;

/**
 * The `leakyRelu` slope an exporter writes: `override` (the export call's option), else the slope the model
 * records (`metadata.leakyReluAlpha`, as @layerwise/nn writes it), else `fallback` (the exporter's own
 * option), else tfjs' default 0.2. Exporters validate the result.
 */
export function leakyReluAlphaFor(model: ExportableModel, override?: number, fallback?: number): number {
  const recorded = model?.metadata?.leakyReluAlpha;
  return (
    override ?? (typeof recorded === 'number' ? recorded : undefined) ?? fallback ?? DEFAULT_LEAKY_RELU_ALPHA
  );
}

/** What {@link prepareExport} returns: the settings an exporter writes, checked. */
export interface PreparedExport {
  /** The `leakyRelu` slope to write (see {@link leakyReluAlphaFor}), a finite number. */
  leakyReluAlpha: number;
}

/**
 * What every exporter does before it builds its format: checks the model ({@link validateExportableModel},
 * messages prefixed with `exporter`) and works out the `leakyRelu` slope to write — `leakyReluAlpha`, else
 * the model's recorded one, else tfjs' 0.2 — refusing one that is not finite. Throws a `ValidationError`.
 */
export function prepareExport(
  model: ExportableModel,
  options: { exporter: string; leakyReluAlpha?: number },
): PreparedExport {
  const { exporter } = options;
  validateExportableModel(model, { exporter });
  const leakyReluAlpha = leakyReluAlphaFor(model, options.leakyReluAlpha);
  if (!Number.isFinite(leakyReluAlpha)) {
    throw new ValidationError(`${exporter}: leakyReluAlpha must be a finite number, got ${leakyReluAlpha}.`);
  }
  return { leakyReluAlpha };
}

/** Options of one export by a {@link fileExporter}: `overwrite` and the `leakyRelu` slope. */
export interface FileExportOptions extends ExportOptions {
  /** Replace the files if they exist. Default false. */
  overwrite?: boolean;
  /** Overrides the model's and the exporter's `leakyReluAlpha` for this export. */
  leakyReluAlpha?: number;
}

/** What {@link fileExporter} needs to know of one format. */
export interface FileExporterSpec<O extends FileExportOptions> {
  /** The plugin's name (`'onnx'`). */
  name: string;
  /** The `format` users ask for (`'onnx'`, `'tfjs-layers'`). */
  format: string;
  /** The exporter's name in messages (`'onnxExporter'`). */
  exporter: string;
  /** What to do in a browser instead (where files cannot be written). */
  browserHint: string;
  /** The exporter's own `leakyReluAlpha` option: used when neither the export call nor the model says. */
  leakyReluAlpha?: number;
  /**
   * The export's files, in the order they are written (the file that names the others last), built from the
   * model, the call's options and the resolved `leakyRelu` slope. Throws (a `ValidationError`) for a model
   * it cannot write: nothing is written then.
   */
  files(model: ExportableModel, options: O, leakyReluAlpha: number): ExportFile[];
}

/**
 * An {@link ExporterPlugin} that writes a format's files into the target directory: resolves the `leakyRelu`
 * slope (the call's option, the model's, the exporter's own), builds the files, then writes them with
 * {@link writeExportFiles} (atomically; existing files only with `overwrite: true`). The result lists the
 * file written last (the one that names the others) first.
 */
export function fileExporter<O extends FileExportOptions>(spec: FileExporterSpec<O>): ExporterPlugin {
  const { exporter, format } = spec;
  return {
    kind: 'exporter',
    name: spec.name,
    format,
    async export(model: ExportableModel, target: string, options: ExportOptions = {}): Promise<ExportResult> {
      const opts = options as O;
      const alpha = leakyReluAlphaFor(model, opts.leakyReluAlpha, spec.leakyReluAlpha);
      const files = spec.files(model, opts, alpha);
      const written = await writeExportFiles(target, files, {
        overwrite: opts.overwrite,
        exporter,
        browserHint: spec.browserHint,
      });
      return { format, files: [...written.slice(-1), ...written.slice(0, -1)] };
    },
  };
}
