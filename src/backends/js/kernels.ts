/** The js kernels as plain functions, for the native backend to delegate to (f64, uncovered dtypes). */
export * from './elementwise.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './indexing.js';
export * from './nn.js';
export * from './attention.js';
export * from './optim.js';
