import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FORBIDDEN =
  /^(@layerwise\/(?!core$).+|@tensorflow\/tfjs-(backend-.+|node|node-gpu|layers)|@tensorflow\/tfjs)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === '__tests__' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('package boundaries: core knows no plugin and no tfjs backend', () => {
  it('no source file of core imports a plugin, a backend, tfjs-layers or the tfjs umbrella', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(pkgDir, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
        if (FORBIDDEN.test(m[1]!)) offenders.push(`${file.slice(pkgDir.length + 1)} → ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('core depends at run time on tfjs-core (peer) and inversify only', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['inversify']);
    // Required peer: tfjs-core only. The table libraries core reads by shape (never imports) are optional peers.
    const optional = Object.keys(pkg.peerDependenciesMeta ?? {}).filter(
      (k) => pkg.peerDependenciesMeta[k].optional,
    );
    expect(Object.keys(pkg.peerDependencies ?? {}).filter((k) => !optional.includes(k))).toEqual([
      '@tensorflow/tfjs-core',
    ]);
    expect(optional.sort()).toEqual(['apache-arrow', 'arquero', 'nodejs-polars']);
  });

  it('the rule itself catches what it should', () => {
    expect(FORBIDDEN.test('@layerwise/backend-wasm')).toBe(true);
    expect(FORBIDDEN.test('@tensorflow/tfjs-backend-cpu')).toBe(true);
    expect(FORBIDDEN.test('@tensorflow/tfjs-node')).toBe(true);
    expect(FORBIDDEN.test('@layerwise/core')).toBe(false);
    expect(FORBIDDEN.test('@tensorflow/tfjs-core')).toBe(false);
  });
});
