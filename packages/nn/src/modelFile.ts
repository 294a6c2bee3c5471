import { ModelFormatError, ValidationError } from '@layerwise/core';
import type { ForwardFn, MLPParams } from './MLPParams.js';

/** Parameters as stored in a model file or checkpoint (no functions, no callbacks, no encoder weights). */
export function storableParams(p: MLPParams): Record<string, unknown> {
  const { forward: _forward, callbacks: _callbacks, encoderWeights: _encoderWeights, ...rest } = p;
  return {
    ...rest,
    hiddenLayerSizes: [...p.hiddenLayerSizes],
    forward: null,
    checkpoint: p.checkpoint ? { ...p.checkpoint } : null,
  };
}

/** Builds params from a model file, turning invalid params into ModelFormatError. */
export function paramsFromFile(
  kind: string,
  params: Record<string, unknown>,
  forward: ForwardFn | undefined,
  customForward: unknown,
): Partial<MLPParams> {
  if (customForward === true && !forward) {
    throw new ValidationError(
      `This ${kind} was trained with a custom forward function, which files never store: pass it again with load(dir, { forward }).`,
    );
  }
  const out: Record<string, unknown> = { ...params };
  if (out.forward !== null && out.forward !== undefined) {
    throw new ModelFormatError(`Invalid ${kind} model: params.forward must be null.`);
  }
  delete out.forward;
  if (forward) out.forward = forward;
  return out as Partial<MLPParams>;
}

/** Runs `make`, turning a ValidationError about params into a ModelFormatError. */
export function fromFile<T>(kind: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ModelFormatError(`Invalid ${kind} model: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
