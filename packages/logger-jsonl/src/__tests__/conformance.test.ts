import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLogger } from '@layerwise/testkit';
import { expect } from 'vitest';
import { jsonlLogger } from '../index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-jsonl-conformance-'));
let n = 0;
const paths = new WeakMap<object, string>();

checkLogger(
  () => {
    const path = join(dir, `log-${++n}.jsonl`);
    const logger = jsonlLogger({ path });
    paths.set(logger, path);
    return logger;
  },
  {
    verify(logger, events) {
      const lines = readFileSync(paths.get(logger)!, 'utf8').trim().split('\n');
      expect(lines.map((l) => JSON.parse(l).type)).toEqual(events.map((e) => e.type));
    },
  },
);
