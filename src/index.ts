/**
 * lmkit: a TypeScript-native toolkit for transformer language models.
 *
 * @module
 */
export * from './errors.js';
export * from './io/index.js';
export * from './tokenizers/index.js';
