/**
 * Llama-family checkpoint layouts.
 *
 * Hugging Face: the model's parameter names are the checkpoint's
 * (`model.layers.0.self_attn.q_proj.weight`), every matrix in PyTorch's
 * (out, in) layout and q/k rows in the rotate-half order the rope op uses.
 * Skipped: the `rotary_emb.inv_freq` buffers some older files carry, and a
 * tied `lm_head.weight`.
 */
import type { CheckpointFormat } from '../weights.js';
import type { LlamaConfig } from './config.js';

export const llamaHF: CheckpointFormat<LlamaConfig> = {
  name: 'hf',
  locate(param) {
    return { keys: [param], layout: 'as-is' };
  },
  isIgnored(key, c) {
    return key.endsWith('.rotary_emb.inv_freq') || (c.tieWordEmbeddings && key === 'lm_head.weight');
  },
};
