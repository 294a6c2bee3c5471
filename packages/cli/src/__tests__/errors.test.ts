// The real `layerwise` bin (and the same run() in this process) on bad input: exit codes 0/1/2 and
// one-line messages naming the problem.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, layerwise, oneLineError } from './harness.js';

describe.concurrent('layerwise on bad input: exit codes and one-line errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lw-cli-bad-'));
  const csv = join(tmp, 'ok.csv');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(() => {
    writeFileSync(csv, 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n');
    writeFileSync(join(tmp, 'nolabel.csv'), 'a,b\n1,2\n3,4\n');
    writeFileSync(join(tmp, 'ragged.csv'), 'a,b,label\n1,2,0\n3,4\n');
    writeFileSync(join(tmp, 'text.csv'), 'a,b,label\n1,x,0\n3,4,1\n');
    mkdirSync(join(tmp, 'garbage'));
    writeFileSync(join(tmp, 'garbage', 'model.json'), '{"format": "layerwise-model", "kind": ');
    mkdirSync(join(tmp, 'proto'));
    writeFileSync(
      join(tmp, 'proto', 'model.json'),
      JSON.stringify({
        format: 'layerwise-model',
        formatVersion: 1,
        kind: '__proto__',
        params: {},
        state: {},
        weights: { file: '../../etc/passwd', byteLength: 0, sha256: '0'.repeat(64), entries: [] },
      }),
    );
    mkdirSync(join(tmp, 'empty'));
  });

  // [name, args, exit code, message, where]: 'bin' runs the real bin in a child process, 'run' the same
  // run() in this process (cheaper: no process start, no tfjs load).
  const cases: [string, string[], number, RegExp, 'bin' | 'run'][] = [
    [
      'missing data file',
      ['fit', 'nope.csv', '--model', 'classifier'],
      1,
      /data file not found: .*nope\.csv$/,
      'bin',
    ],
    [
      'wrong label column',
      ['fit', 'ok.csv', '--model', 'classifier', '--label-column', 'digit'],
      2,
      /--label-column "digit" is not a column of .*ok\.csv \(its 3 columns: "a", "b", "label"\)/,
      'bin',
    ],
    [
      'ragged CSV',
      ['fit', 'ragged.csv', '--model', 'classifier'],
      1,
      /CsvFormatError: .*ragged\.csv, line 3: 2 cells but the header has 3/,
      'bin',
    ],
    [
      'garbage model.json',
      ['predict', 'garbage', 'ok.csv'],
      1,
      /ModelFormatError: .*garbage: .*manifest is not valid JSON/,
      'bin',
    ],
    [
      'hostile model dir',
      ['info', 'proto'],
      1,
      /ModelFormatError: .*proto: .*(weights\.file|__proto__)/,
      'bin',
    ],
    [
      'unknown --model',
      ['fit', 'ok.csv', '--model', 'forest'],
      2,
      /'--model <kind>' argument 'forest' is invalid\. Allowed choices are sae, classifier, regressor/,
      'bin',
    ],
    [
      'text in a feature cell',
      ['fit', 'text.csv', '--model', 'classifier'],
      1,
      /text\.csv, line 2, column 2 \("b"\): "x" is not a finite number/,
      'run',
    ],
    [
      'no labels for a classifier',
      ['fit', 'nolabel.csv', '--model', 'classifier'],
      2,
      /--model classifier needs labels: name the label column of .*nolabel\.csv with --label-column \(columns: a, b\)/,
      'run',
    ],
    ['missing --model', ['fit', 'ok.csv'], 2, /required option '--model <kind>' not specified/, 'run'],
    [
      'bad --hidden',
      ['fit', 'ok.csv', '--model', 'sae', '--hidden', '64,x'],
      2,
      /--hidden must be comma-separated positive integers/,
      'run',
    ],
    [
      'bad --epochs',
      ['fit', 'ok.csv', '--model', 'sae', '--epochs', '0'],
      2,
      // The parser's CliArgumentError, reported by commander as its own invalid-argument error.
      /option '--epochs <n>' argument '0' is invalid\. --epochs must be a positive integer\./,
      'run',
    ],
    ['unknown command', ['frobnicate'], 2, /unknown command 'frobnicate'/, 'run'],
    [
      'folder without a model',
      ['score', 'empty', 'ok.csv'],
      1,
      /ModelFormatError: .*empty: .*model\.json not found/,
      'run',
    ],
    [
      'missing model folder',
      ['transform', 'nowhere', 'ok.csv'],
      1,
      /model folder not found: .*nowhere$/,
      'run',
    ],
    [
      'export without --format',
      ['export', 'garbage'],
      2,
      /required option '--format <format>' not specified/,
      'run',
    ],
  ];

  it.each(cases)('%s', async (_name, args, code, message, where) => {
    const r =
      where === 'bin'
        ? await layerwise(args, tmp)
        : await inProcess(
            args.map((a) => (/\.csv$|^(garbage|proto|empty|nowhere)$/.test(a) ? join(tmp, a) : a)),
          );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
    expect(oneLineError(r)).toMatch(message);
  });

  it('--debug adds the stack trace; --help works per command; no command is a usage error', async () => {
    const fitHelp = await layerwise(['fit', '--help'], tmp);
    const debug = await inProcess(['predict', join(tmp, 'garbage'), join(tmp, 'ok.csv'), '--debug']);
    const help = await inProcess(['--help']);
    const none = await inProcess([]);
    const version = await inProcess(['--version']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^layerwise: ModelFormatError: .*garbage: /);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(help.code).toBe(0);
    for (const c of ['fit', 'predict', 'score', 'transform', 'export', 'info'])
      expect(help.stdout).toContain(c);
    expect(fitHelp.code).toBe(0);
    for (const o of [
      '--model <kind>',
      '--hidden <sizes>',
      '--label-column',
      '--scale',
      '--export',
      '--backend',
      '--seed',
    ]) {
      expect(fitHelp.stdout).toContain(o);
    }
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: layerwise');
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
