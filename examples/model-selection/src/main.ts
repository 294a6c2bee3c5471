import { parseArgs } from 'node:util';
import { meanStd, runEncoderCV, runGridSearch } from './modelSelection.js';

// `pnpm start -- --samples 1000` passes the `--` through: drop it.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const { values } = parseArgs({
  args,
  options: {
    samples: { type: 'string', default: '5000' },
    epochs: { type: 'string', default: '10' },
    cv: { type: 'string', default: '3' },
    'n-jobs': { type: 'string', default: '2' },
    'pretrain-epochs': { type: 'string', default: '5' },
  },
});
const o = {
  samples: Number(values.samples),
  epochs: Number(values.epochs),
  cv: Number(values.cv),
  nJobs: Number(values['n-jobs']),
  pretrainEpochs: Number(values['pretrain-epochs']),
};

console.log(
  `1. GridSearchCV over Pipeline(StandardScaler, MLPClassifier), ${o.samples} MNIST digits, nJobs ${o.nJobs}`,
);
const g = await runGridSearch(o);
console.log(`\ncvResults (${o.cv}-fold stratified, ${g.trainSamples} digits, accuracy):\n${g.table}\n`);
console.log(`best params ${JSON.stringify(g.bestParams)}, best mean CV accuracy ${g.bestScore.toFixed(4)}`);
console.log(
  `best estimator's test accuracy: ${(g.testScore * 100).toFixed(2)} % on ${g.testSamples} held-out digits`,
);
console.log(`search time: ${g.seconds.toFixed(1)} s\n`);

console.log(
  `2. crossValidate of MLPClassifier.fromEncoder(StackedAutoencoder) against the same net from scratch`,
);
const e = await runEncoderCV(o);
console.log(
  `pretrained (fromEncoder): ${meanStd(e.pretrained)}   folds ${e.pretrained.map((s) => s.toFixed(4)).join(', ')}`,
);
console.log(
  `from scratch:             ${meanStd(e.scratch)}   folds ${e.scratch.map((s) => s.toFixed(4)).join(', ')}`,
);
console.log(`cross-validation time: ${e.seconds.toFixed(1)} s`);
