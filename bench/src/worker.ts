/**
 * A benchmark worker: one contender in its own process (its own tfjs engine, kernel registry and memory),
 * driven by the parent over IPC so that contenders can be interleaved A B A B … Each task's time is measured
 * here, around the work only (data already in memory).
 *
 * argv[2]: the contender spec as JSON. Messages in: {@link Task}; out: {@link Hello} then {@link TaskResult}s.
 */
import { performance } from 'node:perf_hooks';
import { readMatrix } from './data.js';
import { procStatus } from './proc.js';
import { type ContenderSpec, STEP, type Task, type TaskResult } from './spec.js';
import { type ContenderImpl, loadTfjsContender } from './tfjsImpl.js';

const send = (m: unknown) => process.send?.(m);

async function main() {
  const spec = JSON.parse(process.argv[2]!) as ContenderSpec;
  let impl: ContenderImpl;
  try {
    impl = await loadTfjsContender(spec);
  } catch (e) {
    const backendFailed = (e as { backendFailed?: boolean }).backendFailed === true;
    send({ ready: false, reason: (e as Error).message.split('\n')[0], backendFailed });
    process.exit(0);
  }
  send({ ready: true, backend: impl.backend, threads: impl.threads });
  const cache = new Map<string, ReturnType<typeof readMatrix>>();
  const data = (file: string) => {
    let m = cache.get(file);
    if (!m) {
      m = readMatrix(file, STEP.inputs);
      cache.set(file, m);
    }
    return m;
  };
  process.on('message', async (task: Task | { kind: 'exit' }) => {
    if (task.kind === 'exit') process.exit(0);
    try {
      // A streamed pretrain reads its IDX file itself: nothing is loaded beforehand.
      const m =
        task.kind === 'pretrain' && task.idx
          ? { data: new Float32Array(0), shape: [0, STEP.inputs] as [number, number] }
          : data(task.file);
      const baseRss = procStatus('VmRSS');
      const r: TaskResult = await impl.run(task, m, performance.now.bind(performance));
      send({ ...r, baseRss, peakRss: procStatus('VmHWM') });
    } catch (e) {
      send({ error: (e as Error).stack ?? String(e) });
    }
  });
}

main().catch((e) => {
  send({ ready: false, reason: (e as Error).message });
  process.exit(1);
});
