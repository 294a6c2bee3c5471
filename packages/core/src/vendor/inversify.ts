/**
 * inversify's `Container`, the registry's dependency-injection container. The build replaces this module's
 * output (`dist/vendor/inversify.js`) with inversify bundled into one file (scripts/bundle-inversify.mjs):
 * inversify 8 is some 330 small modules, and loading them took 107–134 ms of every process's and every worker
 * thread's start; the bundle loads in 8–10 ms (bench/README.md, round 3's fifth window). From sources (tests, tsx) this plain re-export is used.
 */
export { Container } from 'inversify';
