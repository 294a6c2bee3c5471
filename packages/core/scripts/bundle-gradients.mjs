// tfjs-core's Node build registers no gradient functions and its ESM gradient module cannot be imported
// by Node (extensionless imports). We bundle that one module for Node; the bundled ops talk to the user's
// engine through tfjs's global registries. Browsers' bundlers resolve the original module instead
// (see the "#tfjs-gradients" entry of package.json "imports").
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const entry = join(
  dirname(require.resolve('@tensorflow/tfjs-core/package.json')),
  'dist/register_all_gradients.js',
);
const outfile = join(here, '..', 'dist', 'gradients.node.js');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile,
  logLevel: 'warning',
  legalComments: 'none',
});
