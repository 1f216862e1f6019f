/** Every op as a function, grouped by family. */
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export * from './matmul.js';
export * from './nn.js';
