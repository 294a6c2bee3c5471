import { type LoggerPlugin, Registry, type TrainingEvent, validatePlugin } from '@layerwise/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link checkLogger}. */
export interface CheckLoggerOptions {
  /** Suite name. Default: the plugin's `name`. */
  name?: string;
  /** Skip the whole suite with this reason (shown in the report). */
  skip?: string | false | undefined;
  /**
   * Called after a logger received the canned fit and was closed, e.g. to check the file it wrote. Gets the
   * logger and the events it received.
   */
  verify?: (logger: LoggerPlugin, events: readonly TrainingEvent[]) => void | Promise<void>;
}

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

/**
 * A canned fit with every {@link TrainingEvent} type and every optional field both present and absent:
 * greedy pretraining of two layers (with validation loss), fine-tuning with metrics and early stopping, and a
 * supervised `train` stage with batch events without loss.
 */
export function cannedEvents(): TrainingEvent[] {
  let t = T0;
  const time = () => (t += 250);
  const events: TrainingEvent[] = [
    {
      type: 'fitStart',
      estimator: 'StackedAutoencoder',
      backend: 'cpu',
      samples: 64,
      features: 4,
      params: { hiddenLayerSizes: [3, 2], activation: 'relu', logPath: 'a "quoted", path\nwith a newline' },
      verbose: false,
      time: time(),
    },
  ];
  for (const layer of [0, 1]) {
    events.push({
      type: 'stageStart',
      stage: 'pretrain',
      layer,
      epochs: 2,
      batchesPerEpoch: 4,
      samples: 64,
      time: time(),
    });
    for (const epoch of [1, 2]) {
      events.push({
        type: 'batchEnd',
        stage: 'pretrain',
        layer,
        epoch,
        epochs: 2,
        batch: 2,
        batches: 4,
        loss: 0.5 / epoch,
        time: time(),
      });
      events.push({
        type: 'epochEnd',
        stage: 'pretrain',
        layer,
        epoch,
        epochs: 2,
        loss: 0.4 / epoch,
        valLoss: 0.45 / epoch,
        metrics: {},
        seconds: 0.25,
        samplesPerSecond: 256,
        time: time(),
      });
    }
    events.push({
      type: 'stageEnd',
      stage: 'pretrain',
      layer,
      epochsRun: 2,
      stoppedEarly: false,
      seconds: 0.5,
      time: time(),
    });
  }
  events.push({
    type: 'stageStart',
    stage: 'finetune',
    epochs: 3,
    batchesPerEpoch: 1,
    samples: 64,
    time: time(),
  });
  for (const epoch of [1, 2]) {
    events.push({
      type: 'epochEnd',
      stage: 'finetune',
      epoch,
      epochs: 3,
      loss: 0.1 * epoch,
      metrics: { acc: 0.5, valAcc: 0.25 },
      seconds: 0,
      samplesPerSecond: 64,
      time: time(),
    });
  }
  events.push({
    type: 'stageEnd',
    stage: 'finetune',
    epochsRun: 2,
    stoppedEarly: true,
    bestEpoch: 1,
    seconds: 0.5,
    time: time(),
  });
  events.push({
    type: 'stageStart',
    stage: 'train',
    epochs: 1,
    batchesPerEpoch: 3,
    samples: 64,
    time: time(),
  });
  events.push({ type: 'batchEnd', stage: 'train', epoch: 1, epochs: 1, batch: 1, batches: 3, time: time() });
  events.push({
    type: 'epochEnd',
    stage: 'train',
    epoch: 1,
    epochs: 1,
    loss: 1e-12,
    valLoss: 12345.678,
    metrics: { acc: 1 },
    seconds: 1e-4,
    samplesPerSecond: 640000,
    time: time(),
  });
  events.push({
    type: 'stageEnd',
    stage: 'train',
    epochsRun: 1,
    stoppedEarly: false,
    seconds: 0.1,
    time: time(),
  });
  events.push({ type: 'fitEnd', estimator: 'StackedAutoencoder', seconds: 3.5, time: time() });
  return events;
}

/** A diverged fit: NaN and Infinity losses, as a training that blew up reports them. */
function divergedEvents(): TrainingEvent[] {
  return [
    {
      type: 'fitStart',
      estimator: 'MLPRegressor',
      backend: 'cpu',
      samples: 8,
      features: 1,
      params: {},
      verbose: true,
      time: T0,
    },
    { type: 'stageStart', stage: 'train', epochs: 2, batchesPerEpoch: 1, samples: 8, time: T0 },
    {
      type: 'batchEnd',
      stage: 'train',
      epoch: 1,
      epochs: 2,
      batch: 1,
      batches: 1,
      loss: Number.NaN,
      time: T0,
    },
    {
      type: 'epochEnd',
      stage: 'train',
      epoch: 1,
      epochs: 2,
      loss: Number.POSITIVE_INFINITY,
      valLoss: Number.NaN,
      metrics: { acc: Number.NaN },
      seconds: 0,
      samplesPerSecond: Number.POSITIVE_INFINITY,
      time: T0,
    },
    {
      type: 'epochEnd',
      stage: 'train',
      epoch: 2,
      epochs: 2,
      loss: Number.NaN,
      metrics: {},
      seconds: 0,
      samplesPerSecond: 0,
      time: T0,
    },
    { type: 'stageEnd', stage: 'train', epochsRun: 2, stoppedEarly: false, seconds: 0, time: T0 },
    { type: 'fitEnd', estimator: 'MLPRegressor', seconds: 0, time: T0 },
  ];
}

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

async function feed(logger: LoggerPlugin, events: readonly TrainingEvent[]): Promise<void> {
  for (const e of events) await logger.handle(e);
}

/**
 * The conformance suite of a logger plugin, as vitest cases: a well-formed plugin that `registry.use`
 * accepts; receives a canned sequence of every training event type (optional fields present and absent,
 * odd numbers, a diverged fit with NaN/Infinity losses) without throwing; never mutates an event (they are
 * frozen); `close()` is idempotent, works before any event and a second fit after `close()` works; and
 * `Registry.dispose()` closes it.
 *
 * ```ts
 * checkLogger(() => csvLogger({ path: join(mkdtempSync(join(tmpdir(), 'csv-')), 'log.csv') }));
 * ```
 *
 * @param factory makes a fresh logger (e.g. writing to a new temporary file) for each case.
 */
export function checkLogger(factory: () => LoggerPlugin, options: CheckLoggerOptions = {}): void {
  let name = options.name;
  if (!name) {
    try {
      name = factory().name;
    } catch {
      name = 'logger';
    }
  }
  const skip = options.skip || undefined;
  (skip ? describe.skip : describe)(`checkLogger: ${name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('is a well-formed logger plugin that registry.use() accepts', async () => {
      const logger = factory();
      expect(() => validatePlugin(logger)).not.toThrow();
      expect(logger.kind).toBe('logger');
      expect(typeof logger.name).toBe('string');
      expect(logger.name.length).toBeGreaterThan(0);
      expect(typeof logger.handle).toBe('function');
      if (logger.close !== undefined) expect(typeof logger.close).toBe('function');
      const registry = new Registry().use(logger);
      expect(registry.loggers()).toContain(logger);
      await registry.dispose();
    });

    it('receives every training event type, in a whole fit, without throwing', async () => {
      const logger = factory();
      const events = cannedEvents();
      const types = new Set(events.map((e) => e.type));
      expect([...types].sort()).toEqual([
        'batchEnd',
        'epochEnd',
        'fitEnd',
        'fitStart',
        'stageEnd',
        'stageStart',
      ]);
      await feed(logger, events);
      await logger.close?.();
      await options.verify?.(logger, events);
    });

    it('does not mutate the events it receives (they arrive frozen)', async () => {
      const logger = factory();
      const events = cannedEvents();
      const copy = structuredClone(events);
      deepFreeze(events);
      await feed(logger, events);
      await logger.close?.();
      expect(events).toEqual(copy);
    });

    it('logs a diverged fit (NaN / Infinity losses) without throwing', async () => {
      const logger = factory();
      await feed(logger, divergedEvents());
      await logger.close?.();
    });

    it('close() is idempotent and works before any event', async () => {
      const fresh = factory();
      await fresh.close?.();
      await fresh.close?.();
      const logger = factory();
      await feed(logger, cannedEvents());
      await logger.close?.();
      await logger.close?.();
    });

    it('a second fit after close() is handled (the engine closes loggers at the end of each fit)', async () => {
      const logger = factory();
      await feed(logger, cannedEvents());
      await logger.close?.();
      await feed(logger, cannedEvents());
      await logger.close?.();
    });

    it('Registry.dispose() closes it, and a handle() that returns a promise is awaited by callers', async () => {
      const logger = factory();
      let closed = 0;
      const close = logger.close?.bind(logger);
      const spy: LoggerPlugin = {
        kind: 'logger',
        name: logger.name,
        handle: (e) => logger.handle(e),
        close: async () => {
          closed++;
          await close?.();
        },
      };
      const registry = new Registry().use(spy);
      for (const e of cannedEvents()) {
        const r = registry.loggers()[0]!.handle(e);
        if (r !== undefined) expect(typeof (r as Promise<void>).then).toBe('function');
        await r;
      }
      await registry.dispose();
      expect(closed).toBe(1);
    });
  });
}
