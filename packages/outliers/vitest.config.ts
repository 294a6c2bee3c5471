export { sharedConfig as default } from '../../vitest.shared.js';
