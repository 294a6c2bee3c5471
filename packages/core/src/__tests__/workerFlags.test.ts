import { describe, expect, it } from 'vitest';
import { rejectedWorkerFlags, startWithWorkerFlags, workerExecArgv } from '../index.js';

describe('workerExecArgv', () => {
  it('drops loaders, export conditions and scripts (separate or inline values), keeps every other flag', () => {
    expect(
      workerExecArgv([
        '--import',
        'tsx',
        '--conditions=source',
        '-C',
        'development',
        '--max-old-space-size=4096',
        '--require',
        './setup.cjs',
        '--experimental-loader=./l.mjs',
        '--enable-source-maps',
        '-e',
        'console.log(1)',
        '--input-type=module',
        '--stack-size=2000',
      ]),
    ).toEqual(['--max-old-space-size=4096', '--enable-source-maps', '--stack-size=2000']);
  });

  it('reads process.execArgv by default and returns a new array', () => {
    const got = workerExecArgv();
    expect(got).toEqual(workerExecArgv(process.execArgv));
    expect(got).not.toBe(process.execArgv);
  });
});

describe('rejectedWorkerFlags', () => {
  it("learns the flags Node refuses in a worker's execArgv, and workerExecArgv leaves them out from then on", async () => {
    const { Worker } = await import('node:worker_threads');
    const flags = ['--stack-size=2000', '--no-warnings', '--expose-gc'];
    let error: unknown;
    try {
      new Worker('1', { eval: true, execArgv: workerExecArgv(flags) });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('ERR_WORKER_INVALID_EXEC_ARGV');
    expect(rejectedWorkerFlags(error)).toBe(true);
    expect(workerExecArgv(flags)).toEqual(['--no-warnings']);
    // the same refusal again teaches nothing new
    expect(rejectedWorkerFlags(error)).toBe(false);
    const w = new Worker('1', { eval: true, execArgv: workerExecArgv(flags) });
    expect(await new Promise((r) => w.once('exit', r))).toBe(0);
  });

  it('is false for any other error', () => {
    expect(rejectedWorkerFlags(new Error('no'))).toBe(false);
    expect(rejectedWorkerFlags(null)).toBe(false);
    expect(rejectedWorkerFlags({ code: 'ERR_WORKER_INVALID_EXEC_ARGV' })).toBe(false);
  });
});

describe('startWithWorkerFlags', () => {
  it('starts the worker without the flags Node refuses, and throws any other error as it is', async () => {
    const { Worker } = await import('node:worker_threads');
    const tried: string[][] = [];
    const w = startWithWorkerFlags(
      (execArgv) => {
        tried.push(execArgv);
        return new Worker('1', { eval: true, execArgv });
      },
      ['--no-warnings', '--max-semi-space-size=16'],
    );
    expect(await new Promise((r) => w.once('exit', r))).toBe(0);
    expect(tried).toEqual([['--no-warnings', '--max-semi-space-size=16'], ['--no-warnings']]);
    expect(() =>
      startWithWorkerFlags(() => {
        throw new RangeError('not a worker error');
      }),
    ).toThrow(RangeError);
  });
});
