/**
 * GGUF metadata <-> config: the keys and value types llama.cpp reads, real
 * models' headers, and llama3 rope factors recovered from rope_freqs.weight.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GgufFile } from '../../io/gguf.js';
import { GgufTyped, type GgufType, type GgufValue } from '../../io/gguf-types.js';
import { gpt2Config } from '../gpt2/config.js';
import { llamaConfig } from '../llama/config.js';
import { configFromGguf, configToGguf } from './config.js';
import { llama3FromRopeFactors, llama3RopeFactors } from './rope-factors.js';
import { ggufTensorName, paramForGgufTensor } from './tensor-names.js';

/** A header-only GgufFile (what readGguf returns) from typed metadata and tensor shapes. */
function fakeFile(md: Record<string, GgufValue | GgufTyped>, tensors: [string, number[]][]): GgufFile {
  const metadata: Record<string, GgufValue> = {};
  const metadataTypes: Record<string, GgufType> = {};
  for (const [k, v] of Object.entries(md)) {
    metadata[k] = (v instanceof GgufTyped ? v.value : v) as GgufValue;
    metadataTypes[k] = v instanceof GgufTyped ? v.type : typeof v === 'string' ? 'string' : 'u32';
  }
  return {
    path: 'model.gguf',
    version: 3,
    alignment: 32,
    dataOffset: 0,
    fileSize: 0,
    metadata,
    metadataTypes,
    tensors: tensors.map(([name, shape]) => ({ name, dtype: 'f32', ggmlType: 'F32', shape, numel: shape.reduce((a, b) => a * b, 1), offset: 0, byteLength: 0 })),
    unsupported: [],
  };
}

test('configToGguf writes the keys llama.cpp reads, with its value types', () => {
  const c = llamaConfig({ vocabSize: 32000, contextLength: 2048, hiddenSize: 2048, numLayers: 22, numHeads: 32, numKvHeads: 4, intermediateSize: 5632, rmsNormEps: 1e-5 });
  const { arch, metadata } = configToGguf(c);
  assert.equal(arch, 'llama');
  const t = (k: string) => (metadata[k] as GgufTyped).type;
  for (const k of ['context_length', 'embedding_length', 'block_count', 'feed_forward_length', 'attention.head_count', 'attention.head_count_kv', 'rope.dimension_count', 'vocab_size']) {
    assert.equal(t(`llama.${k}`), 'u32', k);
  }
  assert.equal(t('llama.attention.layer_norm_rms_epsilon'), 'f32');
  assert.equal(t('llama.rope.freq_base'), 'f32');
  assert.equal((metadata['llama.attention.head_count_kv'] as GgufTyped).value, 4);
  assert.equal((metadata['llama.rope.dimension_count'] as GgufTyped).value, 64);
  assert.equal(metadata['llama.attention.key_length'], undefined, 'only written when head_dim != hidden/heads');
  const q = configToGguf(llamaConfig({ modelType: 'qwen2', vocabSize: 100, contextLength: 64, hiddenSize: 64, numLayers: 1, numHeads: 4, headDim: 32, intermediateSize: 64, ropeTheta: 1e6 }));
  assert.equal(q.arch, 'qwen2');
  assert.equal((q.metadata['qwen2.attention.key_length'] as GgufTyped).value, 32);
  const g = configToGguf(gpt2Config({ vocabSize: 50257, contextLength: 1024, hiddenSize: 768, numLayers: 12, numHeads: 12 }));
  assert.equal((g.metadata['gpt2.attention.layer_norm_epsilon'] as GgufTyped).type, 'f32');
  assert.equal((g.metadata['gpt2.feed_forward_length'] as GgufTyped).value, 3072);
});

test("a TinyLlama-shaped header becomes the HF model's config", () => {
  const u = (v: number) => new GgufTyped('u32', v);
  const f = (v: number) => new GgufTyped('f32', v);
  const file = fakeFile(
    {
      'general.architecture': 'llama',
      'llama.context_length': u(2048),
      'llama.embedding_length': u(2048),
      'llama.block_count': u(22),
      'llama.feed_forward_length': u(5632),
      'llama.attention.head_count': u(32),
      'llama.attention.head_count_kv': u(4),
      'llama.attention.layer_norm_rms_epsilon': f(1e-5),
      'llama.rope.freq_base': f(10000),
      'llama.rope.dimension_count': u(64),
      'tokenizer.ggml.bos_token_id': u(1),
      'tokenizer.ggml.eos_token_id': u(2),
    },
    [
      ['token_embd.weight', [32000, 2048]],
      ['output.weight', [32000, 2048]],
    ],
  );
  const c = configFromGguf(file);
  assert.equal(c.architecture, 'llama');
  if (c.architecture !== 'llama') return;
  assert.deepEqual(
    [c.modelType, c.vocabSize, c.hiddenSize, c.numLayers, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, c.contextLength, c.tieWordEmbeddings, c.bosTokenId, c.eosTokenId, c.qkvBias],
    ['llama', 32000, 2048, 22, 32, 4, 64, 5632, 2048, false, 1, 2, false],
  );
  assert.ok(Math.abs(c.rmsNormEps - 1e-5) < 1e-12);
  // The same header with q/k/v biases and no output.weight is a tied Qwen2-style model.
  const tied = configFromGguf(fakeFile(file.metadata, [['token_embd.weight', [32000, 2048]], ['blk.0.attn_q.bias', [2048]]]));
  assert.equal(tied.tieWordEmbeddings, true);
  assert.equal(tied.architecture === 'llama' && tied.modelType, 'qwen2');
});

test('tensor names map both ways', () => {
  assert.equal(ggufTensorName('llama', 'model.layers.11.self_attn.k_proj.bias'), 'blk.11.attn_k.bias');
  assert.equal(ggufTensorName('gpt2', 'transformer.h.3.mlp.c_fc.weight'), 'blk.3.ffn_up.weight');
  assert.equal(ggufTensorName('gpt2', 'transformer.wpe.weight'), 'position_embd.weight');
  assert.equal(paramForGgufTensor('qwen2', 'blk.0.ffn_gate.weight'), 'model.layers.0.mlp.gate_proj.weight');
  assert.equal(paramForGgufTensor('llama', 'output.weight'), 'lm_head.weight');
  assert.equal(paramForGgufTensor('llama', 'rope_freqs.weight'), undefined);
});

test("Llama 3.1's rope factors (head dim 128, theta 500000) are recovered exactly", () => {
  const s = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } as const;
  const f = llama3RopeFactors(s, 128, 500000);
  assert.ok(f.some((x) => x > 1 && x < 8), 'has blended dims');
  assert.deepEqual(llama3FromRopeFactors(f, 128, 500000, 'm.gguf'), s);
  // Llama 3.2 1B/3B: factor 32.
  const s32 = { ...s, factor: 32 };
  assert.deepEqual(llama3FromRopeFactors(llama3RopeFactors(s32, 64, 500000), 64, 500000, 'm.gguf'), s32);
  assert.equal(llama3FromRopeFactors(new Float32Array(64).fill(1), 128, 500000, 'm.gguf'), null);
  const odd = Float32Array.from({ length: 64 }, (_, i) => 1 + (i % 3));
  assert.throws(() => llama3FromRopeFactors(odd, 128, 500000, 'm.gguf'), /\[m\.gguf\] rope_freqs\.weight holds rope frequency factors that no llama3 rope scaling produces/);
});
