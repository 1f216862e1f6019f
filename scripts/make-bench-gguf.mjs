#!/usr/bin/env node
// Writes the Llama GGUF files that `lmkit bench generate` and llama-bench are
// compared on: random weights (only the shapes matter for speed), tied
// embeddings, a fabricated 32000-token SentencePiece-style vocabulary, in F32
// and Q8_0 (every matrix, the embedding included, like llama-quantize --pure).
// Made with lmkit's own GGUF writer and quantizer; run after `npm run build`.
//
//   node scripts/make-bench-gguf.mjs OUT_DIR [15m|110m ...]
//
// Shapes: 15m = stories15M (dim 288, 6 layers, 6 heads, FFN 768),
//         110m = stories110M (dim 768, 12 layers, 12 heads, FFN 2048).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gguf, quantizeGguf, writeGguf } from '../dist/io/index.js';
import { Rng } from '../dist/tensor/rng.js';

const SHAPES = {
  '15m': { dim: 288, layers: 6, heads: 6, ffn: 768 },
  '110m': { dim: 768, layers: 12, heads: 12, ffn: 2048 },
};
const VOCAB = 32000;
const CONTEXT = 2048;

function vocabulary() {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; tokens.length < VOCAB; i++) {
    let s = '';
    let n = i;
    do {
      s += letters[n % 26];
      n = Math.floor(n / 26);
    } while (n > 0);
    tokens.push(i % 2 === 0 ? `▁${s}` : s);
    types.push(1);
  }
  const scores = Float32Array.from(tokens, (_, i) => (i < 259 ? 0 : -i));
  return { tokens, types: Int32Array.from(types), scores };
}

async function write(dir, name) {
  const s = SHAPES[name];
  const rng = new Rng(name === '15m' ? 15 : 110);
  const randn = (n, std) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
    return a;
  };
  const ones = (n) => new Float32Array(n).fill(1);
  const { dim, layers, heads, ffn } = s;
  const t = (name, shape, data) => ({ name, dtype: 'f32', shape, data });
  const tensors = [t('token_embd.weight', [VOCAB, dim], () => randn(VOCAB * dim, 0.02)), t('output_norm.weight', [dim], ones(dim))];
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      t(`${p}attn_norm.weight`, [dim], ones(dim)),
      t(`${p}attn_q.weight`, [dim, dim], () => randn(dim * dim, 0.02)),
      t(`${p}attn_k.weight`, [dim, dim], () => randn(dim * dim, 0.02)),
      t(`${p}attn_v.weight`, [dim, dim], () => randn(dim * dim, 0.02)),
      t(`${p}attn_output.weight`, [dim, dim], () => randn(dim * dim, 0.02)),
      t(`${p}ffn_norm.weight`, [dim], ones(dim)),
      t(`${p}ffn_gate.weight`, [ffn, dim], () => randn(ffn * dim, 0.02)),
      t(`${p}ffn_up.weight`, [ffn, dim], () => randn(ffn * dim, 0.02)),
      t(`${p}ffn_down.weight`, [dim, ffn], () => randn(dim * ffn, 0.02)),
    );
  }
  const v = vocabulary();
  const metadata = {
    'general.architecture': 'llama',
    'general.name': `lmkit-bench-${name}`,
    'general.file_type': gguf.u32(0),
    'llama.context_length': gguf.u32(CONTEXT),
    'llama.embedding_length': gguf.u32(dim),
    'llama.block_count': gguf.u32(layers),
    'llama.feed_forward_length': gguf.u32(ffn),
    'llama.rope.dimension_count': gguf.u32(dim / heads),
    'llama.attention.head_count': gguf.u32(heads),
    'llama.attention.head_count_kv': gguf.u32(heads),
    'llama.attention.layer_norm_rms_epsilon': gguf.f32(1e-5),
    'llama.vocab_size': gguf.u32(VOCAB),
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': gguf.array('string', v.tokens),
    'tokenizer.ggml.scores': gguf.array('f32', v.scores),
    'tokenizer.ggml.token_type': gguf.array('i32', v.types),
    'tokenizer.ggml.unknown_token_id': gguf.u32(0),
    'tokenizer.ggml.bos_token_id': gguf.u32(1),
    'tokenizer.ggml.eos_token_id': gguf.u32(2),
    'tokenizer.ggml.add_bos_token': gguf.bool(true),
  };
  const f32 = join(dir, `llama-${name}-f32.gguf`);
  await writeGguf(f32, { metadata, tensors });
  const q8 = join(dir, `llama-${name}-q8_0.gguf`);
  await quantizeGguf(f32, q8, { type: 'q8_0' });
  console.log(`wrote ${f32} and ${q8}`);
}

const [dir, ...names] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node scripts/make-bench-gguf.mjs OUT_DIR [15m] [110m]');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
for (const name of names.length ? names : Object.keys(SHAPES)) {
  if (!SHAPES[name]) {
    console.error(`unknown shape '${name}'; one of ${Object.keys(SHAPES).join(', ')}`);
    process.exit(2);
  }
  await write(dir, name);
}
