import { createRequire } from 'node:module';
import { LayerwiseError } from '@layerwise/core';
import { Command, CommanderError, Option } from 'commander';
import { CliArgumentError, CliUsageError, EXIT } from './CliUsageError.js';
import type {
  ApplyOptions,
  BackendName,
  CliIo,
  ExportFormat,
  FitCommandOptions,
  ModelName,
} from './commands.js';
import { addWorkerCommand } from './workerCommand.js';

/** The commands, loaded when one runs: `--help` and usage errors do not wait for tfjs, vega and resvg. */
const commands = () => import('./commands.js');

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new CliArgumentError(`${name} must be a positive integer.`);
    }
    return n;
  };
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
    throw new CliArgumentError('the seed must be a non-negative integer.');
  }
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new CliArgumentError('the learning rate must be a positive number, e.g. 0.001.');
  }
  return n;
}

function fraction(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
    throw new CliArgumentError('the validation fraction must be a number in [0, 1), e.g. 0.1.');
  }
  return n;
}

function contamination(v: string): number | 'auto' {
  if (v.trim() === 'auto') return 'auto';
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 0.5) {
    throw new CliArgumentError("the contamination must be 'auto' or a number in (0, 0.5], e.g. 0.05.");
  }
  return n;
}

function sizes(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
    throw new CliArgumentError('--hidden must be comma-separated positive integers, e.g. 256,64.');
  }
  return parts.map(Number);
}

const backendOption = () =>
  new Option('--backend <name>', 'tfjs backend: the best available (auto), wasm, cpu or node (tfjs-node)')
    .choices(['auto', 'wasm', 'cpu', 'node'])
    .default('auto');

/** The process streams, as the commands use them. */
export function processIo(): CliIo {
  return { out: (text) => process.stdout.write(`${text}\n`), err: process.stderr };
}

/** Builds the `layerwise` program (commander) with its six commands; actions write through `io`. */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command('layerwise')
    .description(
      'Train and use layerwise models (scikit-learn-style estimators on TensorFlow.js) from CSV or IDX files.',
    )
    .version(version, '-v, --version')
    .option('--debug', 'print stack traces with errors')
    .option('-q, --quiet', 'no progress output')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err.write(s),
      outputError: (s, write) =>
        write(
          `layerwise: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()}\n`,
        ),
    });

  program
    .command('fit')
    .description(
      'Train a model on a CSV, Arrow IPC or Parquet file or a folder of IDX images and write it with its log, charts and summary.',
    )
    .argument(
      '<data>',
      'a CSV file (header optional), an Arrow IPC (.arrow/.feather) or Parquet file, or a folder of MNIST-style IDX files',
    )
    .addOption(
      new Option(
        '--model <kind>',
        'sae (StackedAutoencoder), classifier (MLPClassifier), regressor (MLPRegressor) or outlier-detector (AutoencoderOutlierDetector)',
      )
        .choices(['sae', 'classifier', 'regressor', 'outlier-detector'])
        .makeOptionMandatory(),
    )
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated', sizes, [256, 64])
    .option(
      '--epochs <n>',
      'epochs (per stage for sae: each layer, then fine-tuning)',
      positiveInt('--epochs'),
      5,
    )
    .option('--batch-size <n>', 'minibatch size', positiveInt('--batch-size'))
    .option('--learning-rate <x>', 'Adam learning rate (default 0.001)', positiveNumber)
    .option(
      '--label-column <name>',
      'the label/target column: a header name or an index (-1 = last); default "label" when there is one',
    )
    .addOption(
      new Option('--scale <how>', 'rescale features: standard (mean 0, sd 1), minmax ([0, 1]) or none')
        .choices(['standard', 'minmax', 'none'])
        .default('none'),
    )
    .option(
      '--contamination <x>',
      "outlier-detector: expected fraction of outliers in (0, 0.5], or 'auto' (default 0.1)",
      contamination,
    )
    .option('--limit <n>', 'use only the first n rows (or images)', positiveInt('--limit'))
    .option('--validation-fraction <x>', 'held-out fraction for the validation loss', fraction, 0.1)
    .option(
      '--out <dir>',
      'folder for the model, train.csv, loss.png, report.html and summary.json',
      'runs/layerwise',
    )
    .option(
      '--overwrite',
      'replace the model in an existing --out folder (atomically, once the new one is complete)',
    )
    .addOption(new Option('--export <format>', 'also export the model').choices(['onnx', 'tfjs-layers']))
    .addOption(backendOption())
    .option('--seed <n>', 'random seed', nonNegativeInt, 0)
    .action(async (data: string, _opts, cmd: Command) => {
      const o = cmd.optsWithGlobals() as FitCommandOptions & { model: ModelName };
      await (await commands()).fitCommand(data, o, io);
    });

  const apply = (name: string, description: string, what: string) =>
    program
      .command(name)
      .description(description)
      .argument('<model-dir>', 'the --out folder of layerwise fit (or any folder save() wrote)')
      .argument('<data>', what)
      .addOption(backendOption());

  apply(
    'predict',
    'Predict labels (or class probabilities, or regression targets) for a CSV, Arrow IPC or Parquet file.',
    'a CSV, Arrow IPC or Parquet file, or an IDX folder',
  )
    .option('--out <file>', 'write the predictions to this CSV file (default: standard output)')
    .option('--proba', 'class probabilities too (classifiers)')
    .option(
      '--label-column <name>',
      'a label column to drop from the data (default: the one fit used, when present)',
    )
    .action(async (dir: string, data: string, _o, cmd: Command) => {
      await (await commands()).predictCommand(dir, data, cmd.optsWithGlobals() as ApplyOptions, io);
    });

  apply(
    'score',
    'Score a model: accuracy (classifier), R² (regressor) or reconstruction MSE (sae).',
    'a CSV, Arrow IPC or Parquet file, or an IDX folder, with labels',
  )
    .option('--label-column <name>', 'the label/target column (default: the one fit used)')
    .action(async (dir: string, data: string, _o, cmd: Command) => {
      await (await commands()).scoreCommand(dir, data, cmd.optsWithGlobals() as ApplyOptions, io);
    });

  apply('transform', 'Encode data with a stacked autoencoder: its codes as CSV.', 'a CSV file or IDX folder')
    .option('--out <file>', 'write the codes to this CSV file (default: standard output)')
    .option('--label-column <name>', 'a label column to drop from the data (default: "label" when present)')
    .action(async (dir: string, data: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals() as ApplyOptions;
      await (await commands()).transformCommand(dir, data, { labelColumn: undefined, ...o }, io);
    });

  program
    .command('export')
    .description('Export a model as ONNX or as a tfjs-layers model (model.json + weights.bin).')
    .argument('<model-dir>', 'the --out folder of layerwise fit')
    .addOption(
      new Option('--format <format>', 'onnx or tfjs-layers')
        .choices(['onnx', 'tfjs-layers'])
        .makeOptionMandatory(),
    )
    .option('--out <dir>', 'target folder (default: <model-dir>/<format>)')
    .addOption(backendOption())
    .action(async (dir: string, _o, cmd: Command) => {
      const o = cmd.optsWithGlobals() as ApplyOptions & { format: ExportFormat; backend: BackendName };
      await (await commands()).exportCommand(dir, o, io);
    });

  program
    .command('info')
    .description('Describe a saved model: kind, parameters, layers, file sizes; verifies its checksum.')
    .argument('<model-dir>', 'the --out folder of layerwise fit (or any folder save() wrote)')
    .option('--json', 'print JSON')
    .action(async (dir: string, _o, cmd: Command) => {
      await (await commands()).infoCommand(dir, cmd.optsWithGlobals(), io);
    });

  addWorkerCommand(program, io);
  return program;
}

/** One line, at most ~400 characters (a message listing hundreds of columns is cut in the middle). */
function oneLine(message: string): string {
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 300)} … ${line.slice(-80)}` : line;
}

/**
 * Runs the `layerwise` command with `argv` (the arguments after the program name) and resolves with its
 * exit code: 0 ok, 1 failed, 2 usage. Errors are printed as one line naming the problem (with the stack
 * trace too under `--debug`); nothing is thrown.
 *
 * ```ts
 * process.exitCode = await run(process.argv.slice(2));
 * ```
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  const debug = argv.includes('--debug');
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its one-line message (or the help/version) already.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const err: Pick<Error, 'name' | 'message' | 'stack'> =
      e instanceof Error ? e : { name: 'Error', message: String(e), stack: undefined };
    const usage = err instanceof CliUsageError;
    const label = usage ? '' : err instanceof LayerwiseError ? `${err.name}: ` : `${err.name || 'Error'}: `;
    io.err.write(`layerwise: ${label}${oneLine(err.message)}\n`);
    if (debug && err.stack) io.err.write(`${err.stack}\n`);
    return usage ? EXIT.usage : EXIT.failed;
  }
}

/**
 * What the `layerwise` bin does: runs {@link run} on the process arguments and sets `process.exitCode`. A
 * closed standard output (`layerwise predict … | head`) ends the process quietly.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.exitCode = await run(argv);
}
