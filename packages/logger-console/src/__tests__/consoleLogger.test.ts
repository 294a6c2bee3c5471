import { Writable } from 'node:stream';
import type { TrainingEvent } from '@layerwise/core';
import { ValidationError } from '@layerwise/core';
import { sampleTrainingEvents } from '@layerwise/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, formatDuration, formatNumber } from '../index.js';

/** A writable that records what was written; `isTTY` makes it look like a terminal. */
const ESC = '\u001b[';

class FakeStream extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  readonly columns = 160;
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

/** Feeds the events; with fake timers, the bar's redraw timer runs as in real time (events 250 ms apart). */
function run(events: TrainingEvent[], options: Parameters<typeof consoleLogger>[0]) {
  const logger = consoleLogger(options);
  for (const e of events) {
    logger.handle(e);
    if (vi.isFakeTimers()) vi.advanceTimersByTime(250);
  }
  logger.close?.();
}

/** Events with spread-out times, so speeds and ETAs are computable. */
function timedEvents(verbose: boolean): TrainingEvent[] {
  const t0 = 1_000_000;
  const events: TrainingEvent[] = [
    {
      type: 'fitStart',
      estimator: 'MLPClassifier',
      backend: 'cpu',
      samples: 100,
      features: 4,
      params: {},
      verbose,
      time: t0,
    },
    { type: 'stageStart', stage: 'train', epochs: 2, batchesPerEpoch: 4, samples: 100, time: t0 },
  ];
  let t = t0;
  for (let epoch = 1; epoch <= 2; epoch++) {
    for (let batch = 1; batch <= 4; batch++) {
      t += 250;
      events.push({
        type: 'batchEnd',
        stage: 'train',
        epoch,
        epochs: 2,
        batch,
        batches: 4,
        loss: 1 / (epoch * batch),
        time: t,
      });
    }
    events.push({
      type: 'epochEnd',
      stage: 'train',
      epoch,
      epochs: 2,
      loss: 0.5 / epoch,
      valLoss: 0.6 / epoch,
      metrics: { acc: 0.8, valAcc: 0.75 },
      seconds: 1,
      samplesPerSecond: 100,
      time: t,
    });
  }
  events.push(
    { type: 'stageEnd', stage: 'train', epochsRun: 2, stoppedEarly: true, bestEpoch: 1, seconds: 2, time: t },
    { type: 'fitEnd', estimator: 'MLPClassifier', seconds: 2, time: t },
  );
  return events;
}

describe('consoleLogger', () => {
  it('writes one plain line per epoch when the stream is not a TTY', () => {
    const out = new FakeStream(false);
    run(sampleTrainingEvents(), { verbose: true, stream: out });
    const lines = out.text.trimEnd().split('\n');
    expect(out.text).not.toContain(ESC);
    const epochLines = lines.filter((l) => / epoch \d+\/\d+/.test(l));
    expect(epochLines).toEqual([
      'pretrain layer 1 epoch 1/2 - loss 0.8000 - 0.25s - 4000 samples/s',
      'pretrain layer 1 epoch 2/2 - loss 0.6000 - 0.25s - 4000 samples/s',
      'finetune epoch 1/1 - loss 0.4000 - val_loss 0.4500 - acc 0.9000 - val_acc 0.8500 - 0.25s - 4000 samples/s',
    ]);
    expect(lines[0]).toBe('StackedAutoencoder: 100 samples × 4 features, backend cpu');
    expect(lines.at(-1)).toBe('StackedAutoencoder: done in 0.75s');
  });

  it('draws a progress bar per epoch on a TTY (stage, epoch k/n, batch, loss, ETA, samples/s)', () => {
    vi.useFakeTimers();
    const out = new FakeStream(true);
    run(timedEvents(true), { stream: out });
    expect(out.text).toContain(ESC); // cursor control: redrawn in place
    // mid-epoch: after batch 2 of 4, 0.5 s elapsed → ETA 0.5 s, 50 samples in 0.5 s → 100 samples/s
    expect(out.text).toContain('train epoch 1/2 |');
    expect(out.text).toMatch(/batch 2\/4 \| loss 0\.5000 \| ETA 0\.50s \| 100 samples\/s/);
    // each epoch's finished bar stays with the epoch's loss and metrics
    expect(out.text).toMatch(
      /train epoch 1\/2 \|█+\| batch 4\/4 \| loss 0\.5000 val_loss 0\.6000 acc 0\.8000 val_acc 0\.7500/,
    );
    expect(out.text).toMatch(/train epoch 2\/2 \|█+\| batch 4\/4 \| loss 0\.2500/);
    expect(out.text).toContain('train: stopped early after 2 epochs (best epoch 1)');
    expect(out.text).toContain('MLPClassifier: done in 2.00s');
  });

  it('draws a full bar for an epoch that had no batch events', () => {
    const out = new FakeStream(true);
    run(sampleTrainingEvents(), { verbose: true, stream: out });
    expect(out.text).toMatch(/finetune epoch 1\/1 \|█+\| batch 4\/4 \| loss 0\.4000/);
  });

  it("prints in 'auto' mode only when fitStart says verbose; never with verbose: false", () => {
    const quiet = new FakeStream(false);
    run(timedEvents(false), { stream: quiet });
    expect(quiet.text).toBe('');
    const loud = new FakeStream(false);
    run(timedEvents(true), { verbose: 'auto', stream: loud });
    expect(loud.text.split('\n').filter((l) => / epoch \d+\/\d+/.test(l))).toHaveLength(2);
    const off = new FakeStream(true);
    run(timedEvents(true), { verbose: false, stream: off });
    expect(off.text).toBe('');
    const on = new FakeStream(false);
    run(timedEvents(false), { verbose: true, stream: on });
    expect(on.text).toContain('epoch 2/2');
  });

  it('validates options and formats numbers', () => {
    expect(() => consoleLogger({ verbose: 'yes' as 'auto' })).toThrow(ValidationError);
    expect(() => consoleLogger({ stream: {} as never })).toThrow(ValidationError);
    expect(formatNumber(0.000012345)).toBe('1.234e-5');
    expect(formatNumber(12.5)).toBe('12.5000');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3725)).toBe('1h02m05s');
  });
});
