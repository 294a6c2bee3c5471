// Bundled by @layerwise/testkit-browser and run in headless Chromium: testkit's backend conformance suite
// against the WebGL backend (SwiftShader's WebGL 2 here).
import { checkBackend } from '@layerwise/testkit';
import { webglBackend } from '../index.js';

// Headless Chromium's WebGL is SwiftShader (software), which `auto` ranks below wasm: the suite checks
// correctness, so it lets the plugin offer itself there.
checkBackend(() => webglBackend({ allowSoftware: true }));
