/**
 * lmkit: a TypeScript-native toolkit for transformer language models.
 *
 * @module
 */
export * from './errors.js';
export * from './io/index.js';
export * from './data/corpus/index.js';
export * from './eval/metrics/index.js';
