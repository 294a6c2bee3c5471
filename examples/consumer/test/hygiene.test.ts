// The packaging rules every published package under packages/ follows — checked on every directory there,
// so a new package is held to them the day it appears. See ../README.md for why each rule exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PACKAGES = join(ROOT, 'packages');
const REPO_URL = 'git+https://github.com/layerwise/layerwise.git';
const COPYRIGHT = 'Copyright (c) 2026 the layerwise authors';

interface PackageJson {
  name?: string;
  private?: boolean;
  license?: string;
  type?: string;
  engines?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string } | string;
  homepage?: string;
  files?: string[];
  exports?: Record<string, unknown>;
  sideEffects?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const rootPkg = readJson<PackageJson>(join(ROOT, 'package.json'));

/** Every published package: packages/<dir> with a package.json that is not private. */
const dirs = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(PACKAGES, d.name, 'package.json')))
  .map((d) => d.name)
  .filter((d) => readJson<PackageJson>(join(PACKAGES, d, 'package.json')).private !== true)
  .sort();

const EXACT = /^\d+\.\d+\.\d+(-[\w.]+)?$/;

/** Whether an exact version satisfies a `^x.y.z`, `>=x.y.z`, `x.y.z` or `a || b` range (the forms used here). */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  return range.split('||').some((part) => {
    const r = part.trim();
    const m = /^(\^|>=|~)?(\d+)\.(\d+)\.(\d+)$/.exec(r);
    if (!m) return false;
    const [, op, ...rest] = m;
    const [a, b, c] = rest.map(Number) as [number, number, number];
    const cmp = v[0]! - a || v[1]! - b || v[2]! - c;
    if (!op) return cmp === 0;
    if (op === '>=') return cmp >= 0;
    if (op === '~') return v[0] === a && v[1] === b && cmp >= 0;
    return v[0] === a && (a > 0 || v[1] === b) && cmp >= 0;
  });
}

/** Bare module specifiers imported by the ```ts / ```js blocks of a README. */
function readmeImports(readme: string): string[] {
  const out = new Set<string>();
  for (const block of readme.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)) {
    for (const m of block[1]!.matchAll(/(?:from\s+|import\s*\(?\s*|require\()\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
      out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return [...out];
}

/** Package names that a README's `npm install …` / `pnpm add …` lines tell the reader to install. */
function readmeInstalls(readme: string): Set<string> {
  const out = new Set<string>();
  for (const m of readme.matchAll(/(?:npm (?:install|i)|pnpm add|yarn add)\s+([^\n`#]+)/g)) {
    for (const w of m[1]!.trim().split(/\s+/)) {
      if (w.startsWith('-') || w === '&&') continue;
      out.add(w.replace(/(.)@[^@/]*$/, '$1'));
    }
  }
  return out;
}

describe.each(dirs)('packages/%s follows the packaging rules', (dir) => {
  const pkgDir = join(PACKAGES, dir);
  const pkg = readJson<PackageJson>(join(pkgDir, 'package.json'));

  it('is an ESM package with MIT license, engines like the root, repository and homepage', () => {
    expect(pkg.name, 'name').toBe(dir === 'layerwise' ? 'layerwise' : `@layerwise/${dir}`);
    expect(pkg.license, 'license').toBe('MIT');
    expect(pkg.type, 'type').toBe('module');
    expect(pkg.engines?.node, 'engines.node must equal the root package.json').toBe(rootPkg.engines?.node);
    expect(pkg.repository, 'repository').toEqual({
      type: 'git',
      url: REPO_URL,
      directory: `packages/${dir}`,
    });
    expect(pkg.homepage, 'homepage').toBe(
      `https://github.com/layerwise/layerwise/tree/main/packages/${dir}#readme`,
    );
    expect(pkg.sideEffects, 'sideEffects (false, or the files with side effects)').toBeDefined();
  });

  it('ships a LICENSE (MIT, the layerwise authors) and a README with a code snippet', () => {
    const license = readFileSync(join(pkgDir, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain(COPYRIGHT);
    expect(pkg.files, 'files').toContain('LICENSE');
    const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
    expect(readme).toMatch(/```(ts|js|bash|sh)\n/);
  });

  it('keeps tests and test helpers out of the tarball (files)', () => {
    const files = pkg.files ?? [];
    expect(files.length, 'files must be an explicit list').toBeGreaterThan(0);
    if (files.includes('src')) {
      expect(files, 'files').toContain('!src/__tests__');
      expect(files, 'files').toContain('!src/**/*.test.ts');
    }
  });

  it('has an exports map: "source" first (workspace only), then types and default', () => {
    const dot = pkg.exports?.['.'] as Record<string, unknown> | undefined;
    expect(dot, 'exports["."]').toBeDefined();
    const keys = Object.keys(dot ?? {});
    if (keys.includes('source')) expect(keys[0]).toBe('source');
    expect(keys).toContain('types');
    expect(keys.includes('default') || keys.includes('import')).toBe(true);
  });

  it('peers tfjs with a range that includes the version the tests use; pins everything else', () => {
    const peers = pkg.peerDependencies ?? {};
    const dev = pkg.devDependencies ?? {};
    const deps = pkg.dependencies ?? {};
    for (const [name, range] of Object.entries(peers)) {
      if (!name.startsWith('@tensorflow/')) continue;
      expect(
        EXACT.test(range),
        `peerDependencies["${name}"] is "${range}": use a range such as ^4.22.0`,
      ).toBe(false);
      const tested = dev[name] ?? deps[name];
      if (tested && EXACT.test(tested)) {
        expect(satisfies(tested, range), `peer ${name}@${range} must include the tested ${tested}`).toBe(
          true,
        );
      }
    }
    for (const [name, v] of Object.entries(dev)) {
      expect(
        v.startsWith('workspace:') || EXACT.test(v),
        `devDependencies["${name}"] is "${v}": pin an exact version`,
      ).toBe(true);
    }
    for (const [name, v] of Object.entries(deps)) {
      if (v.startsWith('workspace:')) continue;
      const peer = peers['@tensorflow/tfjs-core'];
      // a tfjs package this one depends on follows the tfjs-core peer range (one tfjs version per app)
      if (name.startsWith('@tensorflow/tfjs-') && peer) {
        expect(v, `dependencies["${name}"] must follow the tfjs-core peer range`).toBe(peer);
      } else {
        expect(EXACT.test(v), `dependencies["${name}"] is "${v}": pin an exact version`).toBe(true);
      }
    }
  });

  it('imports in its README only what it depends on or tells the reader to install', () => {
    const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
    const known = new Set([
      pkg.name ?? '',
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...readmeInstalls(readme),
    ]);
    const missing = readmeImports(readme).filter((s) => !known.has(s));
    expect(
      missing,
      `README imports ${missing.join(', ')}: add it to dependencies, or an "npm install …" line to the README`,
    ).toEqual([]);
  });
});

describe('the tarballs', () => {
  let out: string;
  const listed = new Map<string, string[]>();

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'layerwise-pack-'));
    const r = spawnSync('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`pnpm pack failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    for (const dir of dirs) {
      const { name, version } = readJson<PackageJson & { version: string }>(
        join(PACKAGES, dir, 'package.json'),
      );
      const file = join(out, `${name!.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
      const t = spawnSync('tar', ['tzf', file], { encoding: 'utf8' });
      if (t.status !== 0) throw new Error(`cannot list ${file}: ${t.stderr}`);
      listed.set(dir, t.stdout.trim().split('\n'));
    }
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(dirs)('%s: holds LICENSE, README and package.json, and no tests or test helpers', (dir) => {
    const files = listed.get(dir)!;
    for (const f of ['package/LICENSE', 'package/README.md', 'package/package.json'])
      expect(files).toContain(f);
    const bad = files.filter((f) =>
      /(^|\/)(__tests__|__fixtures__|test-artifacts|\.gradtest-[^/]*)\/|\.(test|spec)\.[cm]?[jt]sx?$/.test(f),
    );
    expect(bad, `test files in the ${dir} tarball`).toEqual([]);
  });
});

describe('satisfies (the range check above)', () => {
  it('reads the range forms the packages use', () => {
    expect(satisfies('4.22.0', '^4.22.0')).toBe(true);
    expect(satisfies('4.30.1', '^4.22.0')).toBe(true);
    expect(satisfies('5.0.0', '^4.22.0')).toBe(false);
    expect(satisfies('4.21.9', '^4.22.0')).toBe(false);
    expect(satisfies('0.26.0', '>=0.25.0')).toBe(true);
    expect(satisfies('3.2.7', '>=3.0.0')).toBe(true);
    expect(satisfies('4.22.0', '4.22.0')).toBe(true);
    expect(satisfies('4.22.1', '4.22.0')).toBe(false);
  });
});
