/** What the benchmark measures: shared by the parent, the Node workers and the Python worker. */

/**
 * The autoencoder layer of the step benchmark: 784 → 200 → 784, ReLU code, sigmoid reconstruction (layerwise's
 * default `outputActivation`), Adam (lr 0.001), batch 100, MSE.
 */
export const STEP = { inputs: 784, hidden: 200, batchSize: 100, learningRate: 1e-3 } as const;

/** The stacked autoencoder of the full-pretrain and inference benchmarks. */
export const STACK = [500, 250, 64] as const;

/** Implementations compared. `raw` is a hand-written tfjs-core loop (`optimizer.minimize`). */
export type Impl = 'layerwise' | 'tfjs-layers' | 'raw' | 'pytorch';

/** One contender: an implementation on a backend. */
export interface ContenderSpec {
  impl: Impl;
  /** tfjs backend name (`wasm`, `cpu`, `node`), or `cpu` for PyTorch. */
  backend: string;
  /**
   * Activate the backend through the layerwise plugin (`wasmBackend()`, with its transposed-matMul fast path)
   * instead of the stock tfjs package. layerwise contenders always do; a `raw` contender with `plugin: true`
   * runs the same kernels as layerwise, which is what the engine-overhead ratio needs.
   */
  plugin: boolean;
  /**
   * Threads (default 1): `wasmBackend({ threads })` for contenders on the wasm plugin, `torch.set_num_threads`
   * (and `OMP_NUM_THREADS` / `OPENBLAS_NUM_THREADS`) for PyTorch. Stock tfjs backends ignore it.
   */
  threads?: number;
  /** Pretraining streams its data from IDX files (`fit(streamIdx(...))`) instead of holding it in memory. */
  streamed?: boolean;
}

/** Threads of a contender (1 unless set). */
export function threadsOf(s: ContenderSpec): number {
  return s.threads ?? 1;
}

/**
 * A contender's display name, e.g. `layerwise/wasm`, `raw/wasm+plugin`, `layerwise/wasm-2t`, `pytorch/cpu-1t`.
 * Single-threaded tfjs contenders carry no suffix; PyTorch always says its thread count.
 */
export function label(s: ContenderSpec): string {
  const t = threadsOf(s);
  if (s.impl === 'pytorch') return `pytorch/${s.backend}-${t}t`;
  return `${s.impl}/${s.backend}${s.plugin && s.impl !== 'layerwise' ? '+plugin' : ''}${t > 1 ? `-${t}t` : ''}${s.streamed ? '+stream' : ''}`;
}

/** A task sent to a worker. Data travel as raw float32 files (see `writeMatrix`). */
export type Task =
  | { kind: 'step'; file: string; samples: number; seed: number }
  | { kind: 'infer'; file: string; rows: number; seed: number }
  | {
      kind: 'pretrain';
      file: string;
      rows: number;
      layers: number[];
      seed: number;
      /** Stream the first `rows` images from this IDX file (streamIdx) instead of loading `file`. */
      idx?: string;
    };

/** What a worker answers. */
export interface TaskResult {
  seconds: number;
  samples: number;
  /** Final training loss (a sanity check that every contender trained the same problem). */
  loss?: number;
  /** Peak resident set size of the worker process (bytes), read from /proc at the end of the task. */
  peakRss?: number;
  /** Resident set size after loading the data, before the model (bytes). */
  baseRss?: number;
  /** Extra details (e.g. per-layer seconds). */
  detail?: Record<string, number>;
}

/** First line a worker prints or sends: ready, or why it cannot run. */
export type Hello =
  | { ready: true; backend: string; version?: string; threads?: number }
  | { ready: false; reason: string; backendFailed?: boolean };
