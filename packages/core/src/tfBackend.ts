import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors.js';

/** What a backend plugin's failure message ends with unless it gives its own. */
const PEER_HINT =
  'Make sure exactly one copy of @tensorflow/tfjs-core is installed (it is a peer dependency).';

/**
 * Makes tfjs backend `name` the active one and waits until it is ready — the last step of a backend
 * plugin's `activate()`. When tfjs answers false or throws, a {@link BackendUnavailableError} names the
 * backend, the cause and what to do: `message(cause)` when given, else "tfjs could not initialise the
 * <name> backend (<cause>). Make sure exactly one copy of @tensorflow/tfjs-core is installed …".
 */
export async function initTfBackend(name: string, message?: (cause: unknown) => string): Promise<void> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    cause = e;
  }
  if (!ok) {
    const text =
      message?.(cause) ??
      `tfjs could not initialise the ${name} backend${cause ? ` (${(cause as Error).message})` : ''}. ${PEER_HINT}`;
    throw new BackendUnavailableError(text, cause === undefined ? undefined : { cause });
  }
  await tf.ready();
}

/** What probing a GPU backend found: usable (maybe on a software renderer), or not and why. */
export type BackendProbe =
  | { ok: true; software?: string }
  | { ok: false; reason: string; error?: unknown; missing?: boolean };

/**
 * A GPU backend plugin's `isAvailable` and `unavailableReason` from its (cached) probe. Not available when the
 * probe failed — an optional peer that is not installed (`missing`) is skipped by `auto` without a notice —
 * or when it found a software renderer or adapter and `allowSoftware` is not set (wasm is faster there):
 * `software(name)` says so in the one-line notice.
 */
export function probedAvailability(
  probe: () => Promise<BackendProbe>,
  options: { allowSoftware?: boolean | undefined; software: (renderer: string) => string },
): { isAvailable(): Promise<boolean>; unavailableReason(): Promise<string | undefined> } {
  const allowSoftware = options.allowSoftware === true;
  return {
    async isAvailable() {
      const p = await probe();
      return p.ok && (p.software === undefined || allowSoftware);
    },
    async unavailableReason() {
      const p = await probe();
      if (!p.ok) return p.missing ? undefined : p.reason;
      if (p.software !== undefined && !allowSoftware) return options.software(p.software);
      return undefined;
    },
  };
}
