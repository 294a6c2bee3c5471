/** Activating a backend the layerwise way: a {@link Registry} with the backend's plugin. */
import { Registry } from '@layerwise/core';

/**
 * A registry holding the named backend's layerwise plugin (wasm: with `threads` threads, default 1). Throws
 * with the reason when it cannot load.
 */
export async function layerwiseRegistry(backend: string, threads = 1): Promise<Registry> {
  const registry = new Registry();
  if (backend === 'wasm') {
    const { wasmBackend } = await import('@layerwise/backend-wasm');
    // `pnpm bench -- --fused-optimizers` (sets LAYERWISE_BENCH_FUSED_OPTIMIZERS=1 for the workers)
    const fusedOptimizers = process.env.LAYERWISE_BENCH_FUSED_OPTIMIZERS === '1';
    registry.use(wasmBackend({ threads, fusedOptimizers }));
  } else if (backend === 'cpu') {
    const { cpuBackend } = await import('@layerwise/backend-cpu');
    registry.use(cpuBackend());
  } else if (backend === 'node') {
    const name = '@layerwise/backend-node';
    const mod = (await import(name)) as { nodeBackend?: () => Parameters<Registry['use']>[0] };
    if (typeof mod.nodeBackend !== 'function') throw new Error(`${name} exports no nodeBackend()`);
    registry.use(mod.nodeBackend());
  } else {
    throw new Error(`unknown backend ${backend}`);
  }
  await registry.activateBackend(backend);
  return registry;
}
