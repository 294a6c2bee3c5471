// The same conformance suite every first-party logger runs: valid plugin shape, events in any order of
// optional fields, close() idempotent, registry.use / dispose, no changes to training.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLogger } from '@layerwise/testkit';
import { afterAll, expect } from 'vitest';
import { type MarkdownLogger, markdownLogger } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-md-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const paths = new WeakMap<object, string>();

checkLogger(
  () => {
    const path = join(dir, `log-${++n}.md`);
    const logger = markdownLogger({ path });
    paths.set(logger, path);
    return logger;
  },
  {
    verify(logger, events) {
      const md = readFileSync(paths.get(logger)!, 'utf8');
      expect(md).toBe((logger as MarkdownLogger).markdown());
      const rows = md.split('\n').filter((l) => /^\| (pretrain|finetune|train)/.test(l));
      expect(rows).toHaveLength(events.filter((e) => e.type === 'epochEnd').length);
    },
  },
);
