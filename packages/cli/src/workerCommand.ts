import { type Command, Option } from 'commander';
import { CliArgumentError } from './CliUsageError.js';
import type { CliIo } from './commands.js';

/** Options of `layerwise worker`. */
export interface WorkerCommandOptions {
  redis: string;
  queue: string;
  concurrency: number;
  plugin: string[];
  threads?: number;
  lockDuration?: number;
  stalledInterval?: number;
  dataDir?: string;
  quiet?: boolean;
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new CliArgumentError(`${name} must be a positive integer.`);
    }
    return n;
  };
}

/**
 * `layerwise worker`: serves a model-selection queue of `@layerwise/executor-bullmq` until SIGINT/SIGTERM
 * (running fits finish first). Run one on each machine.
 */
export async function workerCommand(o: WorkerCommandOptions, io: CliIo, stop?: AbortSignal): Promise<void> {
  const { startWorker } = await import('@layerwise/executor-bullmq');
  const w = await startWorker({
    connection: o.redis,
    queue: o.queue,
    concurrency: o.concurrency,
    plugins: o.plugin,
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
    ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    onEvent: (e) => {
      if (o.quiet) return;
      if (e.type === 'start') io.err.write(`task ${e.jobId} started\n`);
      else if (e.type === 'done')
        io.err.write(`task ${e.jobId} ${e.ok ? 'done' : 'failed (reported to the search)'}\n`);
      else io.err.write(`job ${e.jobId} rejected: ${e.error}\n`);
    },
  });
  const where = o.redis.replace(/\/\/[^@/]*@/, '//***@');
  io.out(
    `layerwise worker: serving queue ${o.queue} on ${where} (concurrency ${o.concurrency}); Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  await w.close();
  io.out('layerwise worker: stopped');
}

/** Adds `worker` to the `layerwise` program. */
export function addWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description(
      'Serve model-selection fits from a BullMQ queue in Redis (@layerwise/executor-bullmq); run one per machine.',
    )
    .requiredOption('--redis <url>', 'Redis URL: redis://[:password@]host:6379[/db], rediss:// for TLS')
    .requiredOption('--queue <name>', "the queue name (bullmqExecutor's queue)")
    .addOption(
      new Option('--concurrency <n>', 'fits at once, each on its own thread')
        .argParser(positiveInt('--concurrency'))
        .default(1),
    )
    .option(
      '--plugin <package>',
      'an extra package this worker may import (a backend or estimator-kind package); repeatable',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--threads <n>',
      'backend threads per fit (default: cores ÷ concurrency)',
      positiveInt('--threads'),
    )
    .option(
      '--lock-duration <ms>',
      'BullMQ lock duration: a worker silent this long is presumed dead',
      positiveInt('--lock-duration'),
    )
    .option(
      '--stalled-interval <ms>',
      'how often to look for the jobs of dead workers',
      positiveInt('--stalled-interval'),
    )
    .option(
      '--data-dir <path>',
      "the shared folder searches put their data in (bullmqExecutor's dataDir), as seen from this machine",
    )
    .action(async (_o, cmd: Command) => {
      await workerCommand(cmd.optsWithGlobals() as WorkerCommandOptions, io);
    });
}
