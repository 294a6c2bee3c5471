import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadModelDir, MANIFEST_FILE, ModelFormatError, parseManifest } from '@layerwise/core';
import { PIPELINE_KIND } from '@layerwise/pipeline';
import type { CliIo, GlobalOptions } from './cliCommon.js';
import { modelKind } from './openModel.js';

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isFile()) total += (await stat(join(dir, e.name))).size;
  }
  return total;
}

/** `layerwise info`: what a model folder holds, with its checksum verified. */
export async function infoCommand(
  dir: string,
  o: GlobalOptions & { json?: boolean },
  io: CliIo,
): Promise<void> {
  await modelKind(dir); // a folder with a valid manifest of a known kind, or a one-line ModelFormatError
  const top = parseManifest(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  // Reads the weights and checks their size and SHA-256 against the manifest (throws when they differ).
  const verified = (d: string) =>
    loadModelDir(d).catch((e: unknown) => {
      throw e instanceof ModelFormatError ? new ModelFormatError(`${dir}: ${e.message}`, { cause: e }) : e;
    });
  // A Pipeline (what fit saves): every step is verified; the last step is the model described.
  let modelSub = '';
  let pipeline: { name: string; kind: string }[] | undefined;
  if (top.kind === PIPELINE_KIND) {
    const steps = (Array.isArray(top.params.steps) ? top.params.steps : []) as {
      name?: unknown;
      kind?: unknown;
      dir?: unknown;
    }[];
    pipeline = steps.map((st) => ({ name: String(st.name), kind: String(st.kind) }));
    for (const st of steps) {
      if (st.kind === 'passthrough') continue;
      if (typeof st.dir !== 'string' || !/^step-\d+-[0-9a-f]{12}$/.test(st.dir)) {
        throw new ModelFormatError(`${dir}: its Pipeline manifest lists a step without a valid folder.`);
      }
      await verified(join(dir, st.dir));
      modelSub = st.dir;
    }
  }
  const modelDir = join(dir, modelSub);
  const manifest = modelSub ? parseManifest(await readFile(join(modelDir, MANIFEST_FILE), 'utf8')) : top;
  const loaded = await verified(modelDir);
  const parameters = loaded.tensors.reduce((a, t) => a + t.data.length, 0);
  const kernels = loaded.tensors.filter((t) => t.name.endsWith('.kernel') && t.shape.length === 2);
  const layers = kernels.map((t) => ({
    name: t.name.replace(/\.kernel$/, ''),
    in: t.shape[0]!,
    out: t.shape[1]!,
  }));
  const files: { file: string; bytes: number }[] = [];
  for (const f of (await readdir(dir)).sort()) {
    const fs = await stat(join(dir, f));
    if (fs.isFile()) files.push({ file: f, bytes: fs.size });
    else if (fs.isDirectory()) files.push({ file: `${f}/`, bytes: await folderBytes(join(dir, f)) });
  }
  const state = manifest.state as { classes?: unknown };
  const classes = Array.isArray(state.classes) ? state.classes.map(String) : undefined;
  const params = Object.fromEntries(
    Object.entries(manifest.params).filter(
      ([, v]) => (v !== null && typeof v !== 'object') || Array.isArray(v),
    ),
  );
  const info = {
    dir: resolve(dir),
    kind: manifest.kind,
    ...(pipeline ? { pipeline } : {}),
    format: `${manifest.format} v${manifest.formatVersion}`,
    createdAt: manifest.createdAt,
    parameters,
    layers,
    ...(classes ? { classes } : {}),
    params,
    weights: {
      file: modelSub ? `${modelSub}/${manifest.weights.file}` : manifest.weights.file,
      bytes: manifest.weights.byteLength,
      sha256: manifest.weights.sha256,
    },
    checksum: 'verified',
    files,
  };
  if (o.json) {
    io.out(JSON.stringify(info, null, 2));
    return;
  }
  const n = (x: number) => x.toLocaleString('en-US');
  const pad = (k: string) => k.padEnd(11);
  const lines = [
    `${pad('kind')}${info.kind}`,
    ...(pipeline ? [`${pad('pipeline')}${pipeline.map((st) => `${st.name} (${st.kind})`).join(' → ')}`] : []),
    `${pad('format')}${info.format}, created ${info.createdAt}`,
    `${pad('parameters')}${n(parameters)}`,
    `${pad('layers')}${layers.map((l) => `${l.name} ${l.in}→${l.out}`).join(', ')}`,
    ...(classes ? [`${pad('classes')}${classes.join(' ')}`] : []),
    `${pad('params')}${Object.entries(params)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ')}`,
    `${pad('weights')}${info.weights.file}, ${n(info.weights.bytes)} bytes, sha256 ${info.weights.sha256.slice(0, 16)}… verified`,
    `${pad('files')}${files.map((f) => `${f.file} (${n(f.bytes)} B)`).join(', ')}`,
  ];
  io.out(lines.join('\n'));
}
