// Run in a child process by csvLogger.test.ts: logs an endless "training", one epoch every 20 ms, and
// says which epoch it logged; the test kills it with SIGKILL (no close(), no exit handlers).
// (Bundled with tfjs stubbed out: it imports the logger only, not @layerwise/testkit, which needs vitest.)
import { csvLogger } from '../index.js';

const logger = csvLogger({ path: process.argv[2]! });
const time = Date.UTC(2026, 0, 2, 3, 4, 5);
let epoch = 0;
setInterval(() => {
  epoch++;
  logger.handle({
    type: 'epochEnd',
    stage: 'train',
    epoch,
    epochs: 1000,
    loss: 1 / epoch,
    metrics: {},
    seconds: 0.25,
    samplesPerSecond: 4000,
    time,
  });
  process.stdout.write(`${epoch}\n`);
}, 20);
