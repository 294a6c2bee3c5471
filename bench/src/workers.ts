/** Starting and driving contender processes (Node workers over IPC, the Python worker over stdin/stdout). */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ContenderSpec, type Hello, label, type Task, type TaskResult, threadsOf } from './spec.js';

/** Where Debian's Python lives: the `python3` first on PATH (pyenv) does not see Debian's `python3-torch`. */
export const PYTHON = process.env.LAYERWISE_BENCH_PYTHON ?? '/usr/bin/python3';

/** A running contender. */
export interface Worker {
  spec: ContenderSpec;
  name: string;
  backend: string;
  /** Threads the contender computes with, as it reported (wasm: `getThreadsCount()`; PyTorch: `torch.get_num_threads()`). */
  threads: number;
  version?: string;
  run(task: Task): Promise<TaskResult>;
  close(): Promise<void>;
}

/** Why a contender could not start. */
export interface Skipped {
  spec: ContenderSpec;
  name: string;
  reason: string;
  /** The tfjs backend itself did not load (so no contender on it can run). */
  backendFailed?: boolean;
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** One request at a time; answers come back in order. */
class Channel {
  #waiting: ((m: unknown) => void)[] = [];
  #early: unknown[] = [];
  deliver(m: unknown) {
    const w = this.#waiting.shift();
    if (w) w(m);
    else this.#early.push(m);
  }
  next(): Promise<unknown> {
    if (this.#early.length > 0) return Promise.resolve(this.#early.shift());
    return new Promise((r) => this.#waiting.push(r));
  }
  fail(reason: string) {
    for (const w of this.#waiting.splice(0)) w({ error: reason });
  }
}

function answer(m: unknown, name: string): TaskResult {
  const r = m as TaskResult & { error?: string };
  if (r.error) throw new Error(`${name}: ${r.error}`);
  return r;
}

/** Starts a Node worker for a tfjs or layerwise contender. */
export async function startNodeWorker(spec: ContenderSpec): Promise<Worker | Skipped> {
  const name = label(spec);
  const child: ChildProcess = fork(here('./worker.ts'), [JSON.stringify(spec)], {
    // tsx resolved from this package (a bare `--import tsx` resolves from the cwd, e.g. the workspace root)
    execArgv: ['--import', TSX, '--conditions=source', '--max-old-space-size=4096'],
    // the child's stdout goes to our stderr: tfjs prints notices there, and our stdout is the report
    stdio: ['ignore', 2, 'inherit', 'ipc'],
  });
  const ch = new Channel();
  child.on('message', (m) => ch.deliver(m));
  child.on('exit', (code) => ch.fail(`worker exited with code ${code}`));
  const hello = (await ch.next()) as Hello | { error: string };
  if (!('ready' in hello) || !hello.ready) {
    child.kill();
    const reason = 'reason' in hello ? hello.reason : (hello as { error: string }).error;
    return {
      spec,
      name,
      reason,
      ...('backendFailed' in hello && hello.backendFailed ? { backendFailed: true } : {}),
    };
  }
  return {
    spec,
    name,
    backend: hello.backend,
    threads: hello.threads ?? 1,
    async run(task) {
      child.send(task);
      return answer(await ch.next(), name);
    },
    async close() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.send({ kind: 'exit' });
      await done;
    },
  };
}

/** Starts the PyTorch worker (CPU, `spec.threads` threads, 1 by default), or says why it cannot run. */
export async function startPythonWorker(spec: ContenderSpec): Promise<Worker | Skipped> {
  const name = label(spec);
  if (!existsSync(PYTHON)) return { spec, name, reason: `${PYTHON} not found` };
  const t = String(threadsOf(spec));
  const child = spawn(PYTHON, [here('./pytorch_worker.py'), t], {
    env: { ...process.env, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ch = new Channel();
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      ch.deliver(JSON.parse(l));
    } catch {
      // a stray line from a library: ignore
    }
  });
  child.on('exit', (code) => ch.fail(`python exited with code ${code}`));
  child.on('error', (e) => ch.fail(e.message));
  const hello = (await ch.next()) as Hello | { error: string };
  if (!('ready' in hello) || !hello.ready) {
    child.kill();
    const reason = 'reason' in hello ? hello.reason : (hello as { error: string }).error;
    return {
      spec,
      name,
      reason: `${reason} (install Debian's python3-torch: apt-get install -y python3-torch)`,
    };
  }
  return {
    spec,
    name,
    backend: hello.backend,
    threads: hello.threads ?? threadsOf(spec),
    ...(hello.version ? { version: hello.version } : {}),
    async run(task) {
      child.stdin.write(`${JSON.stringify(task)}\n`);
      return answer(await ch.next(), name);
    },
    async close() {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.stdin.end(`${JSON.stringify({ kind: 'exit' })}\n`);
      await done;
    },
  };
}

/** Starts any contender. */
export function startWorker(spec: ContenderSpec): Promise<Worker | Skipped> {
  return spec.impl === 'pytorch' ? startPythonWorker(spec) : startNodeWorker(spec);
}

export function isSkipped(w: Worker | Skipped): w is Skipped {
  return 'reason' in w;
}
