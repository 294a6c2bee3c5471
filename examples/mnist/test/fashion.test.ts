import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_MNIST_DEBIAN_DIR } from '@layerwise/datasets';
import { describe, expect, it } from 'vitest';
import { runMnist } from '../src/runMnist.js';

const installed = existsSync(join(FASHION_MNIST_DEBIAN_DIR, 'train-images-idx3-ubyte.gz'));

describe('examples/mnist with --dataset fashion', () => {
  it.skipIf(!installed)(
    `runs the same job on Fashion-MNIST (${installed ? 'Debian dataset-fashion-mnist installed' : `skipped: not installed in ${FASHION_MNIST_DEBIAN_DIR}; apt-get install dataset-fashion-mnist`})`,
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'lw-fashion-run-'));
      try {
        const lines: string[] = [];
        const r = await runMnist({
          dataset: 'fashion',
          subset: 300,
          testSubset: 100,
          hiddenLayerSizes: [32, 16],
          epochs: 1,
          fineTuneEpochs: 1,
          classifierEpochs: 1,
          out,
          verbose: false,
          print: (l) => lines.push(l),
        });
        expect(lines[0]).toMatch(/^Fashion-MNIST: 300 training and 100 test images/);
        expect(r.dataset).toBe('fashion');
        expect(r.accuracy).toBeGreaterThanOrEqual(0);
        expect(JSON.parse(readFileSync(r.files.summary, 'utf8')).dataset).toBe('fashion');
        expect(existsSync(r.files.reconstructions)).toBe(true);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  );
});
