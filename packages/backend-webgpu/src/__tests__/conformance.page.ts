// Bundled by @layerwise/testkit-browser and run in headless Chromium: testkit's backend conformance suite
// against the WebGPU backend (run only where the plugin activates; see webgpuBrowser.test.ts).
import { checkBackend } from '@layerwise/testkit';
import { webgpuBackend } from '../index.js';

checkBackend(() => webgpuBackend());
