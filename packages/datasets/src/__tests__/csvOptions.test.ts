// loadCsv's and streamCsv's delimiter detection, skipRows, columns and gzip by magic bytes (issue 26).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvFormatError, loadCsv, loadCsvTable, type StreamBatch, streamCsv } from '../index.js';

const tmp = mkdtempSync(join(tmpdir(), 'lw-csvopt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The shape of scikit-learn's breast_cancer.csv: a metadata line (rows, columns, class names), then data.
const META = '4,3,malignant,benign\n';
const BODY =
  'radius,texture,area,target\n17.99,10.38,1001,0\n20.57,17.77,1326,0\n7.76,24.54,181,1\n13.54,14.36,566.3,1\n';

describe('loadCsv options', () => {
  it("detects ',' ';' and tab and reports the choice", async () => {
    for (const d of [',', ';', '\t']) {
      const t = await loadCsv(BODY.replaceAll(',', d), { labelColumn: 'target' });
      expect(t.delimiter).toBe(d);
      expect(t.columns).toEqual(['radius', 'texture', 'area']);
      expect(Array.from(t.X.data.subarray(0, 3))).toEqual([17.99, 10.38, 1001].map(Math.fround));
    }
    // An explicit delimiter is used as given (here it leaves one column whose cells hold the commas).
    await expect(loadCsv('a,b\n1,2\n', { delimiter: ';' })).rejects.toThrow(/"1,2" is not a finite number/);
  });

  it('skipRows skips a metadata line; without it the error explains the header-looking first row', async () => {
    const file = join(tmp, 'bc.csv');
    writeFileSync(file, META + BODY.split('\n').slice(1).join('\n'));
    await expect(loadCsv(file)).rejects.toThrow(CsvFormatError);
    await expect(loadCsv(file)).rejects.toThrow(
      /line 1, column 3.*"malignant" is not a finite number.*Line 1 mixes numbers and text: if it is a header or a metadata line, pass \{ header: true \} or \{ skipRows: 1 \}/,
    );
    const t = await loadCsv(file, { skipRows: 1, header: false, labelColumn: -1 });
    expect(t.X.shape).toEqual([4, 3]);
    expect(t.y).toEqual([0, 0, 1, 1]);
    // Line numbers in errors still count the skipped line.
    writeFileSync(file, `${META}radius,target\n1,0\nx,1\n`);
    await expect(loadCsv(file, { skipRows: 1 })).rejects.toThrow(/bc\.csv, line 4, column 1/);
  });

  it('columns picks and orders the feature columns', async () => {
    const t = await loadCsv(BODY, { labelColumn: 'target', columns: ['area', 0] });
    expect(t.columns).toEqual(['area', 'radius']);
    expect(Array.from(t.X.data.subarray(0, 2))).toEqual([1001, Math.fround(17.99)]);
    await expect(loadCsv(BODY, { columns: ['nope'] })).rejects.toThrow(/columns: "nope" is not a column/);
  });

  it('a gzip file is read whatever its name (magic bytes)', async () => {
    for (const f of ['data.csv.gz', 'data.csv']) {
      const file = join(tmp, f);
      writeFileSync(file, gzipSync(BODY));
      const t = await loadCsv(file, { labelColumn: 'target' });
      expect(t.gzip).toBe(true);
      expect(t.X.shape).toEqual([4, 3]);
    }
    const plain = join(tmp, 'plain.csv');
    writeFileSync(plain, BODY);
    expect((await loadCsv(plain)).gzip).toBe(false);
  });
});

async function collect(it: AsyncIterable<StreamBatch>): Promise<StreamBatch[]> {
  const out: StreamBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('streamCsv takes the same options and gives the same table as loadCsv', () => {
  it("delimiter 'auto', skipRows, columns and a gzip file, batch by batch; header() names the columns", async () => {
    const text = META + BODY.split('\n').slice(1).join('\n').replaceAll(',', ';');
    const file = join(tmp, 'stream.csv.gz');
    writeFileSync(
      file,
      gzipSync(`${META}radius;texture;area;target\n${text.split('\n').slice(1).join('\n')}`),
    );
    const options = { skipRows: 1, labelColumn: 'target', columns: ['area', 0], batchSize: 3 } as const;
    const stream = streamCsv(file, options);
    expect(await stream.header()).toEqual({
      columns: ['area', 'radius'],
      labelName: 'target',
      delimiter: ';',
      gzip: true,
    });
    const batches = await collect(stream);
    expect(batches.map((b) => b.x.shape)).toEqual([
      [3, 2],
      [1, 2],
    ]);
    const whole = await loadCsv(file, options);
    expect(whole.delimiter).toBe(';');
    expect(Float32Array.from(batches.flatMap((b) => Array.from(b.x.data)))).toEqual(whole.X.data);
    expect(batches.flatMap((b) => b.y as number[])).toEqual(whole.y);
    // Errors count the skipped line, and name the gzip file.
    const bad = join(tmp, 'bad.csv.gz');
    writeFileSync(bad, gzipSync(`${META}radius;target\n1;0\nx;1\n`));
    await expect(collect(streamCsv(bad, { skipRows: 1 }))).rejects.toThrow(
      /bad\.csv\.gz \(gzip\), line 4, column 1/,
    );
    await expect(streamCsv(file, { skipRows: 1, columns: ['nope'] }).header()).rejects.toThrow(
      /columns: "nope" is not a column/,
    );
    expect(() => streamCsv(file, { skipRows: -1 })).toThrow(/skipRows must be a non-negative integer/);
    // A truncated gzip file is a CsvFormatError, not a crash.
    const cut = join(tmp, 'cut.csv.gz');
    writeFileSync(cut, gzipSync(BODY.repeat(200)).subarray(0, 60));
    await expect(collect(streamCsv(cut))).rejects.toThrow(CsvFormatError);
  });

  it('a plain file with tabs: header() without a label, delimiter detected', async () => {
    const file = join(tmp, 'tabs.tsv');
    writeFileSync(file, BODY.replaceAll(',', '\t'));
    const h = await streamCsv(file).header();
    expect(h).toEqual({ columns: ['radius', 'texture', 'area', 'target'], delimiter: '\t', gzip: false });
    const [b] = await collect(streamCsv(file, { labelColumn: -1 }));
    expect(b!.x.shape).toEqual([4, 3]);
  });
});

describe('loadCsvTable: mixed columns as a table', () => {
  it('numbers as Float64Array, text as strings, the same options; an empty numeric cell is named', async () => {
    const text = 'city;size;when;label\nOslo;3.5;2020-01-01;a\n"Paris, FR";1;2020-01-02;b\nOslo;2;;a\n';
    const t = await loadCsvTable(text, { labelColumn: 'label' });
    expect(t.delimiter).toBe(';');
    expect(t.columns).toEqual(['city', 'size', 'when']);
    expect(t.dtypes).toEqual({ city: 'string', size: 'number', when: 'string' });
    expect(t.table.size).toEqual(Float64Array.from([3.5, 1, 2]));
    expect(t.table.city).toEqual(['Oslo', 'Paris, FR', 'Oslo']);
    expect(t.table.when).toEqual(['2020-01-01', '2020-01-02', '']);
    expect(t.y).toEqual(['a', 'b', 'a']);
    expect(t.rows).toBe(3);
    const picked = await loadCsvTable(text, { columns: ['size'], labelColumn: -1 });
    expect(Object.keys(picked.table)).toEqual(['size']);
    await expect(loadCsvTable('a,b\n1,x\n,y\n')).rejects.toThrow(
      /line 3, column 1 \("a"\): the cell is empty in a numeric column/,
    );
  });
});
