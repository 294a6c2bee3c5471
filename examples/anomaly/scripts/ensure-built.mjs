// `pnpm start` runs the TypeScript sources with tsx (`--conditions=source`), so nothing needs building —
// except one generated file: @layerwise/core's bundle of tfjs' gradient registrations
// (`dist/gradients.node.js`, made by core's build). After a fresh `pnpm install` it does not exist yet:
// build core once, here, so that `pnpm install && pnpm start` works on a fresh clone.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const corePkg = createRequire(import.meta.url).resolve('@layerwise/core/package.json');
const bundle = join(dirname(corePkg), 'dist', 'gradients.node.js');
if (!existsSync(bundle)) {
  console.log('Building @layerwise/core once (its tfjs gradient bundle is generated at build time)…');
  execFileSync('pnpm', ['--filter', '@layerwise/core', 'run', 'build'], { stdio: 'inherit' });
}
