export { Module, param, isParam } from './module.js';
export { Linear, Embedding, LayerNorm, RMSNorm, initWeight, type InitOptions } from './layers.js';
export { GeluMlp, SwiGluMlp, activate, type Activation, type MlpOptions } from './mlp.js';
export { RotaryEmbedding, ropeFrequencies, type RopeScaling, type RopeConfig, type RopeFrequencies } from './rope.js';
export { LayeredKVCache, type KVCacheShape } from './kv-cache.js';
export { causalSelfAttention, positionsFromMask, paddingKeyMask, MASKED } from './attention.js';
export type { RowLayout, DenseRows, RaggedRows, RaggedSegment, SelfAttentionOptions } from './attention.js';
