import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@layerwise/core';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvFormatError, DatasetNotFoundError, loadCsv } from '../index.js';

const made: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'lw-csv-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('loadCsv', () => {
  it('reads a file with a header and a label column by name', async () => {
    const path = join(tempDir(), 't.csv');
    writeFileSync(path, 'a,b,label\r\n1,2.5,0\r\n-3,4e-1,1\r\n\r\n');
    const t = await loadCsv(path, { labelColumn: 'label' });
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.labelName).toBe('label');
    expect(t.X.shape).toEqual([2, 2]);
    expect(Array.from(t.X.data)).toEqual([1, 2.5, -3, Math.fround(0.4)]);
    expect(t.y).toEqual([0, 1]);
  });

  it('reads text without a header (auto-detected), label by negative index, string labels', async () => {
    const t = await loadCsv('1,2,cat\n3,4,dog\n', { labelColumn: -1 });
    expect(t.columns).toEqual(['0', '1']);
    expect(t.y).toEqual(['cat', 'dog']);
    expect(t.X.shape).toEqual([2, 2]);
    const single = await loadCsv('1,2,3');
    expect(single.X.shape).toEqual([1, 3]);
    expect(single.y).toBeUndefined();
  });

  it('handles quotes, a BOM, other delimiters and an explicit header flag', async () => {
    const t = await loadCsv('\uFEFF"x;1";y\n"1";2\n', { delimiter: ';' });
    expect(t.columns).toEqual(['x;1', 'y']);
    expect(Array.from(t.X.data)).toEqual([1, 2]);
    const noHeader = await loadCsv('1,2\n3,4\n', { header: false });
    expect(noHeader.X.shape).toEqual([2, 2]);
    const forced = await loadCsv('1,2\n3,4\n', { header: true });
    expect(forced.columns).toEqual(['1', '2']);
    expect(forced.X.shape).toEqual([1, 2]);
  });

  it('names the line and column of a non-numeric or empty cell', async () => {
    const text = 'a,b\n1,2\n3,abc\n';
    await expect(loadCsv(text)).rejects.toThrow(CsvFormatError);
    await expect(loadCsv(text)).rejects.toThrow(/line 3, column 2 \("b"\): "abc" is not a finite number/);
    await expect(loadCsv('a,b\n1,\n')).rejects.toThrow(/line 2, column 2 \("b"\): the cell is empty/);
    await expect(loadCsv('a,b\n1,NaN\n')).rejects.toThrow(/"NaN" is not a finite number/);
  });

  it('rejects ragged rows, empty tables, unknown label columns and missing files', async () => {
    await expect(loadCsv('a,b\n1,2\n3\n')).rejects.toThrow(/line 3: 1 cells but the header has 2/);
    await expect(loadCsv('\n\n')).rejects.toThrow(/empty/);
    await expect(loadCsv('a,b\n')).rejects.toThrow(/no data rows/);
    await expect(loadCsv('a,b\n1,2\n', { labelColumn: 'c' })).rejects.toThrow(ValidationError);
    await expect(loadCsv('a,b\n1,2\n', { labelColumn: 5 })).rejects.toThrow(/out of range/);
    await expect(loadCsv('a,"b\n1,2\n')).rejects.toThrow(/never closed/);
    await expect(loadCsv('/no/such/file.csv')).rejects.toThrow(DatasetNotFoundError);
  });
});
