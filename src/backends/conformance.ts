/**
 * The backend conformance suite: every kernel of a backend against a reference
 * backend (the js backend unless told otherwise) on property-based random
 * inputs: random shapes including size-1 and odd sizes, transposed and padded
 * (non-contiguous) views, offsets, broadcast (stride-0) inputs. Each property
 * is driven by a fast-check seed, so a failure names the seed that reproduces it.
 *
 *   runBackendConformance({ name: 'native avx2', make: () => loadNativeBackend({ isa: 'avx2' }) });
 *
 * The matmul and attention cases also check against naive double-precision
 * references written here, so the suite means something for the js backend too.
 */
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { Rng } from './conformance-util.js';
import { elementwiseCases } from './conformance-elementwise.js';
import { linalgCases } from './conformance-linalg.js';
import { nnCases } from './conformance-nn.js';

export interface ConformanceOptions {
  readonly name: string;
  readonly make: () => Backend;
  /** What the backend is compared to (default: a js backend). */
  readonly reference?: Backend;
  /** Random cases per property (default 25). */
  readonly numRuns?: number;
}

/** One property: runs the backend and the reference on the inputs one seed builds, and compares. */
export type Case = (be: Backend, ref: Backend, rng: Rng) => void;

export function runBackendConformance(opts: ConformanceOptions): void {
  const numRuns = opts.numRuns ?? 25;
  describe(`backend conformance: ${opts.name}`, () => {
    const be = opts.make();
    const ref = opts.reference ?? createJsBackend();
    const groups: [string, Record<string, Case>][] = [
      ['elementwise and reductions', elementwiseCases],
      ['linear algebra and indexing', linalgCases],
      ['fused kernels and optimizers', nnCases],
    ];
    for (const [group, cases] of groups) {
      describe(group, () => {
        for (const [name, run] of Object.entries(cases)) {
          test(name, () => {
            fc.assert(
              fc.property(fc.integer(), (seed) => run(be, ref, new Rng(seed))),
              { numRuns, includeErrorInReport: true },
            );
          });
        }
      });
    }
  });
}
