// Bundles inversify (8.x: ~330 CommonJS modules across @inversifyjs/*) into dist/vendor/inversify.js, over
// tsc's one-line re-export (src/vendor/inversify.ts), so that loading @layerwise/core reads one file instead
// of hundreds: 8–10 ms instead of 107–134 ms per process and per worker thread (Node 20, 2026-12-07 17:15 UTC,
// load 1.1; bench/README.md, round 3's fifth window).
// Runs after tsc. The bundle keeps inversify's MIT licence notice; inversify stays a dependency for its types.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// inversify's "exports" has no ./package.json: its folder is the one above lib/index.js.
const pkgDir = dirname(dirname(require.resolve('inversify')));
const { version, license } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
await build({
  stdin: { contents: "export { Container } from 'inversify';", resolveDir: join(here, '..'), loader: 'js' },
  bundle: true,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  format: 'esm',
  outfile: join(here, '..', 'dist', 'vendor', 'inversify.js'),
  banner: {
    js: `// inversify ${version} (${license} licence, https://github.com/inversify/InversifyJS) and its dependencies, bundled by scripts/bundle-inversify.mjs.`,
  },
  allowOverwrite: true,
  logLevel: 'warning',
  legalComments: 'inline',
});
// tsc's source map described the re-export, not the bundle.
rmSync(join(here, '..', 'dist', 'vendor', 'inversify.js.map'), { force: true });
