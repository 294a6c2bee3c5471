// Bundled by @layerwise/testkit-browser and run in headless Chromium: testkit's backend conformance suite
// against the WebGL backend (SwiftShader's WebGL 2 here).
import { checkBackend } from '@layerwise/testkit';
import { webglBackend } from '../index.js';

checkBackend(() => webglBackend());
