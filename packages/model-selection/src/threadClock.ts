/**
 * Time helpers shared by the nJobs pool and its worker threads (a module of its own: a worker does not load
 * the pool).
 */
import { readFileSync } from 'node:fs';

/** Milliseconds since the epoch, comparable between threads (`performance.timeOrigin` + `now()`). */
export const clock = (): number => performance.timeOrigin + performance.now();

/**
 * This thread's time on a core and time spent waiting for one (runnable, not running), in ms, from Linux's
 * `/proc/thread-self/schedstat`; null elsewhere. Tells a fit slowed by sharing a core's hardware (more CPU
 * time) from one slowed by other work on the machine (more waiting).
 */
export function threadSchedule(): [cpu: number, waited: number] | null {
  if (process.platform !== 'linux') return null;
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return null;
  }
}
