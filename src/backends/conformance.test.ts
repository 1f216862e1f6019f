/**
 * The conformance suite on the js backend itself: the comparisons with the
 * reference are trivial there, but matmul and attention are also checked
 * against the suite's own naive double-precision references, and every case
 * runs the js kernels on random layouts (a crash or a bounds error fails).
 */
import { runBackendConformance } from './conformance.js';
import { createJsBackend } from './js/index.js';

runBackendConformance({ name: 'js', make: createJsBackend, numRuns: 10 });
