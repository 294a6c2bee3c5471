import { parseArgs } from 'node:util';
import { runRegression } from './regression.js';

// `pnpm start -- --epochs 10` passes the `--` through: drop it.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const { values } = parseArgs({
  args,
  options: {
    epochs: { type: 'string', default: '300' },
    hidden: { type: 'string', default: '64' },
    backend: { type: 'string', default: 'auto' },
    quiet: { type: 'boolean', default: false },
  },
});

const result = await runRegression({
  epochs: Number(values.epochs),
  hiddenLayerSizes: values.hidden.split(',').map(Number),
  backend: values.backend,
  verbose: !values.quiet,
});
console.log(`\ny = 2x² − 1, MLPRegressor on ${result.backend}, ${result.seconds.toFixed(1)} s`);
for (const s of result.samples) {
  console.log(
    `  x = ${s.x.toFixed(2).padStart(5)}   y = ${s.y.toFixed(3).padStart(6)}   ŷ = ${s.predicted.toFixed(3).padStart(6)}`,
  );
}
console.log(`R² train ${result.r2Train.toFixed(4)}, R² test ${result.r2Test.toFixed(4)}`);
