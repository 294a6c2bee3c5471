import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLogger } from '@layerwise/testkit';
import { expect } from 'vitest';
import { CSV_HEADER, csvLogger } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-csv-conformance-'));
let n = 0;
const paths = new WeakMap<object, string>();

checkLogger(
  () => {
    const path = join(dir, `log-${++n}.csv`);
    const logger = csvLogger({ path });
    paths.set(logger, path);
    return logger;
  },
  {
    verify(logger, events) {
      const lines = readFileSync(paths.get(logger)!, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(CSV_HEADER);
      expect(lines.length - 1).toBe(events.filter((e) => e.type === 'epochEnd').length);
    },
  },
);
