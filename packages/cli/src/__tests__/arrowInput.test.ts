// `layerwise fit/score/predict` read Arrow IPC files and streams and Parquet files (parquet-wasm), found by
// their magic bytes: the same numbers as from the CSV of the same table; text feature columns and a bad
// --label-column are usage errors (exit 2) naming them (issue 26).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import * as pq from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, oneLineError } from './harness.js';

const r2Of = (out: string) => Number(/R² (\S+) on/.exec(out)?.[1] ?? `no R² in: ${out}`);

describe('Arrow IPC and Parquet input', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-cli-arrow-'));
  const csv = join(tmp, 'reg.csv');
  const ipc = join(tmp, 'reg.arrow');
  const stream = join(tmp, 'reg-stream.bin');
  const parquet = join(tmp, 'reg.parquet');
  const text = join(tmp, 'text.arrow');
  const fitArgs = (data: string, out: string) => [
    'fit',
    data,
    '--model',
    'regressor',
    '--label-column',
    'y',
    '--hidden',
    '16',
    '--epochs',
    '20',
    '--batch-size',
    '32',
    '--learning-rate',
    '0.02',
    '--validation-fraction',
    '0',
    '--scale',
    'standard',
    '--backend',
    'cpu',
    '--seed',
    '0',
    '--out',
    out,
    '-q',
  ];

  beforeAll(() => {
    const x: number[] = [];
    const noise: number[] = [];
    const y: number[] = [];
    const rows = ['x,noise,y'];
    for (let i = 0; i < 200; i++) {
      x.push(-1 + (2 * i) / 199);
      noise.push(((i * 7919) % 200) * 10);
      y.push(2 * x[i]! * x[i]! - 1);
      rows.push(`${x[i]},${noise[i]},${y[i]}`);
    }
    writeFileSync(csv, `${rows.join('\n')}\n`);
    // The CSV's columns (noise as int32); the stream holds them in another order: matched by name.
    const table = arrow.tableFromArrays({
      x: Float64Array.from(x),
      noise: Int32Array.from(noise),
      y: Float64Array.from(y),
    });
    const reordered = arrow.tableFromArrays({
      y: Float64Array.from(y),
      noise: Int32Array.from(noise),
      x: Float64Array.from(x),
    });
    writeFileSync(ipc, arrow.tableToIPC(table, 'file'));
    writeFileSync(stream, arrow.tableToIPC(reordered, 'stream'));
    writeFileSync(parquet, pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'))));
    writeFileSync(
      text,
      arrow.tableToIPC(
        arrow.tableFromArrays({
          x: Float64Array.from(x),
          city: x.map((v) => (v > 0 ? 'a' : 'b')),
          y: Float64Array.from(y),
        }),
        'file',
      ),
    );
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('fit on an Arrow IPC file: the same model as from the CSV; score and predict read IPC files, streams and Parquet', async () => {
    const fromCsv = join(tmp, 'm-csv');
    const fromIpc = join(tmp, 'm-ipc');
    const a = await inProcess(fitArgs(csv, fromCsv));
    const b = await inProcess(fitArgs(ipc, fromIpc));
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(fromIpc, 'summary.json'), 'utf8'));
    expect(summary.data.format).toBe('arrow');
    expect(summary.data.columns).toEqual(['x', 'noise']);
    expect(summary.data.labelColumn).toBe('y');
    const scores = [];
    for (const data of [csv, ipc, stream, parquet]) {
      const s = await inProcess(['score', fromIpc, data, '--label-column', 'y', '--backend', 'cpu']);
      expect(s.code, `${data}: ${s.stderr}`).toBe(0);
      scores.push(r2Of(s.stdout));
    }
    expect(new Set(scores).size).toBe(1);
    expect(scores[0]).toBeGreaterThan(0.5);
    const c = await inProcess(['score', fromCsv, csv, '--label-column', 'y', '--backend', 'cpu']);
    // The same table from the CSV gives the same model.
    expect(r2Of(c.stdout)).toBe(scores[0]);
    const p = await inProcess(['predict', fromIpc, parquet, '--backend', 'cpu']);
    const q = await inProcess(['predict', fromIpc, csv, '--backend', 'cpu']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toBe(q.stdout);
  });

  it('a text feature column and a bad --label-column are usage errors naming them', async () => {
    const t = await inProcess(fitArgs(text, join(tmp, 'never')));
    expect(t.code).toBe(2);
    expect(oneLineError(t)).toMatch(/column "city" holds text/);
    const args = fitArgs(ipc, join(tmp, 'never2'));
    args[args.indexOf('y')] = 'nope';
    const n = await inProcess(args);
    expect(n.code).toBe(2);
    expect(oneLineError(n)).toMatch(
      /--label-column "nope" is not a column of .*reg\.arrow .*"x", "noise", "y"/,
    );
    const broken = join(tmp, 'broken.arrow');
    writeFileSync(broken, Buffer.concat([Buffer.from('ARROW1\0\0'), Buffer.alloc(40, 7)]));
    const br = await inProcess(fitArgs(broken, join(tmp, 'never3')));
    expect(br.code).not.toBe(0);
    expect(oneLineError(br)).toMatch(/looks like an Arrow IPC file but cannot be read/);
  });
});
