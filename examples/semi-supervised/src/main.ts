/**
 * `pnpm start` — pretrain on all 60 000 MNIST digits without labels, fine-tune on 1 000 labels, compare with
 * random init (see README.md).
 */
import { parseArgs } from 'node:util';
import { runSemiSupervised } from './semiSupervised.js';

const HELP = `Usage: pnpm start [-- options]

  --labels N          labelled digits, class-balanced (default 1000)
  --unlabelled N      unlabelled digits to pretrain on (default 60000)
  --epochs N          classifier epochs (default 20)
  --pretrain-epochs N pretraining epochs per layer (default 10)
  --test-subset N     score on the first N test digits (default 10000)
  --seed N            seed (default 0)
  --help`;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    labels: { type: 'string' },
    unlabelled: { type: 'string' },
    epochs: { type: 'string' },
    'pretrain-epochs': { type: 'string' },
    'test-subset': { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const int = (name: keyof typeof values, min = 1): number | undefined => {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}.\n\n${HELP}`);
    process.exit(2);
  }
  return n;
};

const r = await runSemiSupervised({
  labels: int('labels', 10),
  unlabelled: int('unlabelled'),
  epochs: int('epochs'),
  pretrainEpochs: int('pretrain-epochs'),
  testSubset: int('test-subset'),
  seed: int('seed', 0),
});
console.log(`\n${r.labels} labels, ${r.unlabelled} unlabelled digits:\n\n${r.table}`);
