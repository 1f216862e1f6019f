/**
 * Hugging Face configs of the models the Llama family and GPT-2 cover
 * (values as published in each model's config.json) parse without warnings
 * into the expected derived configs, and survive a to-HF / from-HF round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { familyForHFConfig, registry } from './registry.js';

const common = { architectures: ['LlamaForCausalLM'], hidden_act: 'silu', initializer_range: 0.02, use_cache: true, transformers_version: '4.40.1', torch_dtype: 'bfloat16' };

const CONFIGS: Record<string, [Record<string, unknown>, Record<string, unknown>]> = {
  'openai-community/gpt2': [
    {
      activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, bos_token_id: 50256, embd_pdrop: 0.1, eos_token_id: 50256,
      initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768, n_head: 12, n_layer: 12, n_positions: 1024,
      resid_pdrop: 0.1, summary_activation: null, summary_first_dropout: 0.1, summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true,
      task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } }, vocab_size: 50257,
    },
    { architecture: 'gpt2', hiddenSize: 768, headDim: 64, numKvHeads: 12, intermediateSize: 3072, contextLength: 1024, tieWordEmbeddings: true, activation: 'gelu_tanh', dropout: 0.1 },
  ],
  'meta-llama/Llama-2-7b-hf': [
    { ...common, bos_token_id: 1, eos_token_id: 2, hidden_size: 4096, intermediate_size: 11008, max_position_embeddings: 4096, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32, pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: null, tie_word_embeddings: false, vocab_size: 32000 },
    { numKvHeads: 32, headDim: 128, ropeTheta: 10000, ropeScaling: null, qkvBias: false, tieWordEmbeddings: false, slidingWindow: null },
  ],
  'meta-llama/Llama-3.1-8B': [
    {
      ...common, attention_bias: false, attention_dropout: 0.0, bos_token_id: 128000, eos_token_id: 128001, hidden_size: 4096, intermediate_size: 14336,
      max_position_embeddings: 131072, mlp_bias: false, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8,
      pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
      rope_theta: 500000.0, tie_word_embeddings: false, vocab_size: 128256,
    },
    { numKvHeads: 8, headDim: 128, ropeTheta: 500000, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 }, contextLength: 131072 },
  ],
  'meta-llama/Llama-3.2-1B-Instruct': [
    {
      ...common, attention_bias: false, attention_dropout: 0.0, bos_token_id: 128000, eos_token_id: [128001, 128008, 128009], head_dim: 64, hidden_size: 2048,
      intermediate_size: 8192, max_position_embeddings: 131072, mlp_bias: false, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 16,
      num_key_value_heads: 8, pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
      rope_theta: 500000.0, tie_word_embeddings: true, vocab_size: 128256,
    },
    { headDim: 64, numKvHeads: 8, tieWordEmbeddings: true, eosTokenId: [128001, 128008, 128009] },
  ],
  'Qwen/Qwen2.5-0.5B': [
    {
      ...common, architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643, hidden_size: 896, intermediate_size: 4864,
      max_position_embeddings: 32768, max_window_layers: 24, model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2,
      rms_norm_eps: 1e-6, rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, use_sliding_window: false, vocab_size: 151936,
    },
    { modelType: 'qwen2', headDim: 64, numKvHeads: 2, qkvBias: true, oBias: false, tieWordEmbeddings: true, slidingWindow: null, ropeTheta: 1000000 },
  ],
  'mistralai/Mistral-7B-v0.1': [
    {
      ...common, architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768,
      model_type: 'mistral', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000.0, sliding_window: 4096,
      tie_word_embeddings: false, vocab_size: 32000,
    },
    { modelType: 'mistral', slidingWindow: 4096, maxWindowLayers: 0, numKvHeads: 8, qkvBias: false },
  ],
  'HuggingFaceTB/SmolLM-135M': [
    {
      ...common, attention_bias: false, attention_dropout: 0.0, bos_token_id: 0, eos_token_id: 0, hidden_size: 576, intermediate_size: 1536, max_position_embeddings: 2048,
      model_type: 'llama', num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3, pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: null,
      rope_theta: 10000.0, tie_word_embeddings: true, vocab_size: 49152,
    },
    { headDim: 64, numHeads: 9, numKvHeads: 3, tieWordEmbeddings: true },
  ],
  'TinyLlama/TinyLlama-1.1B-Chat-v1.0': [
    {
      ...common, attention_bias: false, bos_token_id: 1, eos_token_id: 2, hidden_size: 2048, intermediate_size: 5632, max_position_embeddings: 2048, model_type: 'llama',
      num_attention_heads: 32, num_hidden_layers: 22, num_key_value_heads: 4, pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: null, rope_theta: 10000.0,
      tie_word_embeddings: false, vocab_size: 32000,
    },
    { headDim: 64, numKvHeads: 4, numLayers: 22, intermediateSize: 5632 },
  ],
};

for (const [name, [json, expected]] of Object.entries(CONFIGS)) {
  test(`${name}: config.json parses without warnings and round-trips`, () => {
    const family = familyForHFConfig(json, `${name}/config.json`);
    const { value, warnings } = family.configFromHF(json, `${name}/config.json`);
    assert.deepEqual(warnings, []);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((value as unknown as Record<string, unknown>)[k], v, k);
    const back = family.configFromHF(family.configToHF(value), 'saved config.json');
    assert.deepEqual(back.value, value);
    assert.deepEqual(back.warnings, []);
  });
}

test('Transformers v5 rope_parameters are read like rope_theta + rope_scaling', () => {
  const [json] = CONFIGS['meta-llama/Llama-3.1-8B']!;
  const { rope_scaling, rope_theta, ...rest } = json as { rope_scaling: Record<string, unknown>; rope_theta: number };
  const v5 = { ...rest, rope_parameters: { ...rope_scaling, rope_theta } };
  const a = registry.llama.configFromHF(json, 'a').value;
  const b = registry.llama.configFromHF(v5, 'b').value;
  assert.deepEqual(b, a);
});

test('configs without model_type resolve by architectures; unknown keys become warnings', () => {
  const [json] = CONFIGS['TinyLlama/TinyLlama-1.1B-Chat-v1.0']!;
  const { model_type: _, ...rest } = json;
  assert.equal(familyForHFConfig(rest, 'x').architecture, 'llama');
  const { warnings } = registry.llama.configFromHF({ ...json, flash_attn_magic: 3 }, 'cfg.json');
  assert.deepEqual(warnings, ["cfg.json: key 'flash_attn_magic' is not used by lmkit and was ignored"]);
  assert.throws(() => familyForHFConfig({ architectures: ['BertModel'] }, 'cfg.json'), /model_type: is required to pick the architecture/);
});

test('features lmkit does not implement are refused, not ignored', () => {
  const [gpt2] = CONFIGS['openai-community/gpt2']!;
  assert.throws(() => registry.gpt2.configFromHF({ ...gpt2, add_cross_attention: true }, 'c.json'), /add_cross_attention: cross-attention/);
  const [qwen] = CONFIGS['Qwen/Qwen2.5-0.5B']!;
  assert.throws(() => registry.llama.configFromHF({ ...qwen, partial_rotary_factor: 0.5 }, 'c.json'), /partial_rotary_factor: partial rotary/);
  assert.throws(() => registry.llama.configFromHF({ ...qwen, hidden_act: 'gelu_10' }, 'c.json'), ConfigError);
});

test('Qwen2 sliding windows: use_sliding_window with max_window_layers, or layer_types', () => {
  const [qwen] = CONFIGS['Qwen/Qwen2.5-0.5B']!;
  const a = registry.llama.configFromHF({ ...qwen, use_sliding_window: true, sliding_window: 4096, max_window_layers: 20 }, 'c').value;
  assert.deepEqual([a.slidingWindow, a.maxWindowLayers], [4096, 20]);
  const types = Array.from({ length: 24 }, (_, i) => (i < 21 ? 'full_attention' : 'sliding_attention'));
  const b = registry.llama.configFromHF({ ...qwen, use_sliding_window: true, sliding_window: 4096, layer_types: types }, 'c').value;
  assert.deepEqual([b.slidingWindow, b.maxWindowLayers], [4096, 21]);
  assert.throws(() => registry.llama.configFromHF({ ...qwen, use_sliding_window: true, layer_types: [...types].reverse() }, 'c'), /layer_types: must list one entry per layer/);
});

test('options for training from scratch are checked with their own names', () => {
  assert.throws(
    () => registry.gpt2.config({ vocabSize: 10, contextLength: 8, hiddenSize: 10, numLayers: 1, numHeads: 3 }),
    (e: unknown) => e instanceof ConfigError && e.issues[0]!.path[0] === 'hiddenSize' && /not divisible by the number of heads \(3\)/.test(e.message),
  );
  assert.throws(() => registry.llama.config({ vocabSize: 10, contextLength: 8, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 8, numLayer: 3 } as never), /Unrecognized key/);
  assert.throws(() => registry.llama.config({ vocabSize: 10, contextLength: 8, hiddenSize: 16, numHeads: 2, intermediateSize: 8 } as never), /numLayers: is required/);
  assert.throws(() => registry.llama.config({ vocabSize: 10, contextLength: 8, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 8, slidingWindow: 4 }), /modelType 'mistral'/);
  const q = registry.llama.config({ modelType: 'qwen2', vocabSize: 10, contextLength: 8, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 8 });
  assert.equal(q.qkvBias, true, 'qwen2 defaults to q/k/v bias');
});
