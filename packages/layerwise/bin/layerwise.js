#!/usr/bin/env node
// `npx layerwise …` once `layerwise` is installed: the command of @layerwise/cli (fit, predict, score,
// transform, export, info). See its README.
import { main } from '@layerwise/cli';

await main();
