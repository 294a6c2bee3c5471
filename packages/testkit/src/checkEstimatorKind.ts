import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DecodeContext,
  type EncodeContext,
  type EncodedEstimator,
  type EstimatorKindPlugin,
  loadEstimator,
  ModelFormatError,
  PluginError,
  Registry,
  validatePlugin,
} from '@layerwise/core';
import { describe, expect, it } from 'vitest';

/** Options of {@link checkEstimatorKind}. */
export interface CheckEstimatorKindOptions<E> {
  /** Suite name. Default: `estimator kind <name>`. */
  name?: string;
  /** A new, unfitted estimator of this kind made with `registry`. */
  make(registry: Registry): E;
  /** Fits `estimator` on small data. */
  fit(estimator: E): Promise<unknown>;
  /** What the fitted estimator computes (predictions, codes…): compared after save → load. */
  output(estimator: E): Promise<unknown>;
  /** Saves a fitted estimator to `dir` (default: `estimator.save(dir)`). */
  save?(estimator: E, dir: string): Promise<void>;
  /** Skip the whole suite with this reason. */
  skip?: string | false | undefined;
}

/**
 * The conformance suite of an estimator kind (`EstimatorKindPlugin`): `registry.use` accepts it; it matches
 * its own estimators; a fitted one saved to disk comes back through core's `loadEstimator` (the path
 * `load()`, `Pipeline.load` and the CLI take) computing the same output; an unknown kind is a
 * ModelFormatError; a worker-capable kind's payload survives structured cloning and decodes to an
 * estimator with the same params — what `nJobs` workers do.
 *
 * ```ts
 * checkEstimatorKind(nearestCentroidKind, {
 *   make: (registry) => new NearestCentroid({}, { registry }),
 *   fit: (e) => e.fit(X, y),
 *   output: (e) => e.predict(X),
 * });
 * ```
 */
export function checkEstimatorKind<E>(
  kind: EstimatorKindPlugin<E>,
  options: CheckEstimatorKindOptions<E>,
): void {
  const title = `${options.name ?? `estimator kind ${kind?.name}`}${options.skip ? ` (skipped: ${options.skip})` : ''}`;
  describe.skipIf(Boolean(options.skip))(title, () => {
    it('is a valid plugin that registry.use accepts (twice the same object is one entry)', () => {
      validatePlugin(kind);
      expect(kind.kind).toBe('estimator');
      const registry = new Registry().use(kind as EstimatorKindPlugin).use(kind as EstimatorKindPlugin);
      expect(registry.estimatorKinds().filter((k) => k.name === kind.name)).toHaveLength(1);
      const impostor = { ...kind } as EstimatorKindPlugin;
      expect(() => registry.use(impostor)).toThrow(PluginError);
    });

    it('matches its own estimators and nothing else', () => {
      const registry = new Registry().use(kind as EstimatorKindPlugin);
      expect(kind.matches(options.make(registry))).toBe(true);
      for (const other of [null, undefined, {}, 42, 'x', new Registry()])
        expect(kind.matches(other)).toBe(false);
    });

    it('a fitted estimator saved to disk loads back through the registry with the same output', async () => {
      const registry = new Registry().use(kind as EstimatorKindPlugin);
      const est = options.make(registry);
      await options.fit(est);
      const dir = await mkdtemp(join(tmpdir(), 'layerwise-checkEstimatorKind-'));
      try {
        const target = join(dir, 'model');
        await (options.save
          ? options.save(est, target)
          : (est as { save(d: string): Promise<void> }).save(target));
        const back = await loadEstimator<E>(target, { registry });
        expect(kind.matches(back)).toBe(true);
        expect(await options.output(back)).toEqual(await options.output(est));
        await expect(loadEstimator(target, { registry: new Registry() })).rejects.toThrow(ModelFormatError);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it.skipIf(kind?.encode === undefined)(
      'encodes for a worker and decodes to an equal unfitted estimator',
      async () => {
        const registry = new Registry().use(kind as EstimatorKindPlugin);
        const est = options.make(registry);
        const encodeCtx: EncodeContext = {
          encode: () => {
            throw new PluginError('checkEstimatorKind: nested estimators are not checked here');
          },
          cannot: (reason) => {
            throw new PluginError(`checkEstimatorKind: the kind refused to encode: ${reason}`);
          },
          useBackend: () => {},
          plainParams: (params) => ({ ...(params as Record<string, unknown>) }),
        };
        const spec: EncodedEstimator = {
          module: kind.module!,
          exportName: kind.exportName!,
          payload: structuredClone(kind.encode!(est, encodeCtx)),
        };
        // What a worker does: import the module, find the kind under its export name, decode.
        const mod = (await import(spec.module)) as Record<string, unknown>;
        expect(mod[spec.exportName]).toBe(kind);
        const decodeCtx: DecodeContext = {
          registry,
          decode: () => Promise.reject(new PluginError('checkEstimatorKind: no nested estimators')),
        };
        const copy = await kind.decode!(spec.payload, decodeCtx);
        expect(kind.matches(copy)).toBe(true);
        const params = (e: unknown) => (e as { getParams?(): object }).getParams?.();
        expect(params(copy)).toEqual(params(est));
      },
    );
  });
}
