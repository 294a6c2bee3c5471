// Runs in Chromium (bundled by the harness): declares the suites, and exports run() for the function mode.
import './selfTestSuites.js';

/** Plain function mode: the harness returns what this returns. */
export async function run(input: { n: number }) {
  return { doubled: input.n * 2, sab: typeof SharedArrayBuffer === 'function' };
}
