/**
 * GPT-2 checkpoint layouts.
 *
 * Hugging Face (and OpenAI's original release) store GPT-2's four projection
 * matrices with `Conv1D`, whose weight is (in, out): the transpose of a
 * Linear's (out, in). They are transposed on load and back on save, so a GPT-2
 * gives the same logits whichever layout it came from.
 *
 * Names: GPT2LMHeadModel saves `transformer.h.0...`; the original
 * openai-community/gpt2 files (saved from GPT2Model) have no `transformer.`
 * prefix. Both load. The causal-mask buffers `attn.bias` / `attn.masked_bias`
 * of older files are not parameters and are skipped, as is a tied `lm_head`.
 */
import type { CheckpointFormat } from '../weights.js';
import type { Gpt2Config } from './config.js';

const CONV1D = /\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;
const MASK_BUFFER = /(^|\.)attn\.(bias|masked_bias)$/;
const PREFIX = 'transformer.';

export const gpt2HF: CheckpointFormat<Gpt2Config> = {
  name: 'hf',
  locate(param) {
    const keys = param.startsWith(PREFIX) ? [param, param.slice(PREFIX.length)] : [param];
    return { keys, layout: CONV1D.test(param) ? 'transposed' : 'as-is' };
  },
  isIgnored(key, c) {
    return MASK_BUFFER.test(key) || (c.tieWordEmbeddings && key === 'lm_head.weight');
  },
};
