#!/usr/bin/env node
// The `layerwise` command. Everything lives in run(); main() hands it the arguments and sets the exit code.
import { main } from './run.js';

await main();
