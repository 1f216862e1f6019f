/**
 * lmkit: a TypeScript-native toolkit for transformer language models.
 *
 * @module
 */
export * from './errors.js';
export * from './io/index.js';
export { loadNativeBackend, nativeIsas, type NativeBackend, type NativeOptions, type Isa } from './backends/native/index.js';
