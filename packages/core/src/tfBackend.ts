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
