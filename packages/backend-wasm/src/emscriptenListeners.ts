type Listener = (...args: unknown[]) => void;
type Proc = {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
};

const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Call before initialising tfjs-backend-wasm; call the function it returns once initialisation has settled.
 *
 * In Node, tfjs-backend-wasm's Emscripten glue adds process-wide `uncaughtException` and
 * `unhandledRejection` listeners that re-throw (`throw ex` / `throw reason`): from then on any unhandled
 * rejection anywhere in the application — even one the application's own handlers would deal with — ends
 * the process with a stack inside the glue. The returned function removes exactly the listeners added in
 * between that re-throw, restoring Node's (and the application's) own handling. Does nothing outside Node.
 */
export function keepProcessErrorHandling(): () => void {
  const proc = (globalThis as { process?: Partial<Proc> }).process;
  if (typeof proc?.listeners !== 'function' || typeof proc.removeListener !== 'function') return () => {};
  const p = proc as Proc;
  const before = new Map(EVENTS.map((e) => [e, new Set(p.listeners(e))]));
  return () => {
    for (const e of EVENTS) {
      for (const l of p.listeners(e)) {
        if (!before.get(e)!.has(l) && /\bthrow\b/.test(String(l))) p.removeListener(e, l);
      }
    }
  };
}
