// loadCsv's delimiter detection, skipRows, columns and gzip by magic bytes (issue 26).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvFormatError, loadCsv } from '../index.js';

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
