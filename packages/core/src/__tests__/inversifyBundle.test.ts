// The built package loads inversify from the one file scripts/bundle-inversify.mjs writes, and the registry
// works on it as on the sources' inversify: the same plugins, scopes and disposal.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the built registry on the bundled inversify', () => {
  it('dist/vendor/inversify.js is the bundle (no import of inversify left), with its licence line', () => {
    const file = join(pkgDir, 'dist', 'vendor', 'inversify.js');
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^\/\/ inversify \d+\.\d+\.\d+ \(MIT licence/);
    expect(text).not.toMatch(/(from|import|require\()\s*['"](inversify|@inversifyjs\/|reflect-metadata)/);
    expect(text).toMatch(/export {\s*Container\s*};\s*$/);
    // …and the registry takes inversify from there: no module of inversify's is loaded at run time.
    expect(readFileSync(join(pkgDir, 'dist', 'registry.js'), 'utf8')).toMatch(
      /import { Container } from '\.\/vendor\/inversify\.js';/,
    );
  });

  it('a process importing the built @layerwise/core gets a working registry: plugins, child scopes, dispose', () => {
    const script = `
      const { Registry } = await import('@layerwise/core');
      const log = (name) => ({ kind: 'logger', name, handle() {} });
      const parent = new Registry().use(log('global'));
      const child = parent.child().use(log('mine'));
      const names = child.loggers().map((l) => l.name);
      await child.dispose();
      console.log(JSON.stringify({ names, parent: parent.loggers().map((l) => l.name) }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: pkgDir,
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.names).toEqual(['global', 'mine']);
    expect(r.parent).toEqual(['global']);
  });
});
