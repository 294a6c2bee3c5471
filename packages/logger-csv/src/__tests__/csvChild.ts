// Run in a child process by csvLogger.test.ts: logs an endless "training", one epoch every 20 ms, and
// says which epoch it logged; the test kills it with SIGKILL (no close(), no exit handlers).
import { csvLogger } from '../index.js';
import { epochEnd } from './events.js';

const logger = csvLogger({ path: process.argv[2]! });
let epoch = 0;
setInterval(() => {
  epoch++;
  logger.handle(epochEnd({ epoch, epochs: 1000, loss: 1 / epoch }));
  process.stdout.write(`${epoch}\n`);
}, 20);
