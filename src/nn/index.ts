export { Module, param, isParam } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm, type InitOptions } from './layers.js';
