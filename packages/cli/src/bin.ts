#!/usr/bin/env node
// The `layerwise` command. Everything lives in run(); this file only hands it the arguments and exit code.
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2));
