/**
 * GGUF tensor names (llama.cpp's, from gguf-py's tensor map) for the
 * parameters of lmkit's models, whose names follow Hugging Face.
 *
 *   Llama / Mistral / Qwen2                     GPT-2
 *   model.embed_tokens.weight   token_embd      transformer.wte.weight      token_embd
 *                                               transformer.wpe.weight      position_embd
 *   layers.N.input_layernorm    blk.N.attn_norm h.N.ln_1                    blk.N.attn_norm
 *   self_attn.q/k/v_proj        attn_q/k/v      attn.c_attn                 attn_qkv
 *   self_attn.o_proj            attn_output     attn.c_proj                 attn_output
 *   post_attention_layernorm    ffn_norm        h.N.ln_2                    ffn_norm
 *   mlp.gate/up/down_proj       ffn_gate/up/down mlp.c_fc / mlp.c_proj      ffn_up / ffn_down
 *   model.norm                  output_norm     transformer.ln_f            output_norm
 *   lm_head                     output          lm_head                     output
 *
 * Every matrix is stored as PyTorch's Linear (out, in) in row-major order
 * (ggml's ne = [in, out]); GPT-2's Conv1D weights were transposed by the
 * converter, so nothing is transposed here. The q/k rows of the "llama"
 * architecture are in llama.cpp's interleaved rope order (./rope-permute.ts).
 */
import type { CheckpointFormat } from '../weights.js';
import type { ModelConfig } from '../registry.js';

/** The `general.architecture` values lmkit reads and writes. */
export const GGUF_ARCHITECTURES = ['llama', 'qwen2', 'gpt2'] as const;
export type GgufArch = (typeof GGUF_ARCHITECTURES)[number];

type Pair = readonly [hf: string, gguf: string];

const LLAMA_NAMES: readonly Pair[] = [
  ['model.embed_tokens.weight', 'token_embd.weight'],
  ['model.norm.weight', 'output_norm.weight'],
  ['lm_head.weight', 'output.weight'],
  ['model.layers.{N}.input_layernorm.weight', 'blk.{N}.attn_norm.weight'],
  ['model.layers.{N}.self_attn.q_proj.{P}', 'blk.{N}.attn_q.{P}'],
  ['model.layers.{N}.self_attn.k_proj.{P}', 'blk.{N}.attn_k.{P}'],
  ['model.layers.{N}.self_attn.v_proj.{P}', 'blk.{N}.attn_v.{P}'],
  ['model.layers.{N}.self_attn.o_proj.{P}', 'blk.{N}.attn_output.{P}'],
  ['model.layers.{N}.post_attention_layernorm.weight', 'blk.{N}.ffn_norm.weight'],
  ['model.layers.{N}.mlp.gate_proj.{P}', 'blk.{N}.ffn_gate.{P}'],
  ['model.layers.{N}.mlp.up_proj.{P}', 'blk.{N}.ffn_up.{P}'],
  ['model.layers.{N}.mlp.down_proj.{P}', 'blk.{N}.ffn_down.{P}'],
];

const GPT2_NAMES: readonly Pair[] = [
  ['transformer.wte.weight', 'token_embd.weight'],
  ['transformer.wpe.weight', 'position_embd.weight'],
  ['transformer.ln_f.{P}', 'output_norm.{P}'],
  ['lm_head.weight', 'output.weight'],
  ['transformer.h.{N}.ln_1.{P}', 'blk.{N}.attn_norm.{P}'],
  ['transformer.h.{N}.attn.c_attn.{P}', 'blk.{N}.attn_qkv.{P}'],
  ['transformer.h.{N}.attn.c_proj.{P}', 'blk.{N}.attn_output.{P}'],
  ['transformer.h.{N}.ln_2.{P}', 'blk.{N}.ffn_norm.{P}'],
  ['transformer.h.{N}.mlp.c_fc.{P}', 'blk.{N}.ffn_up.{P}'],
  ['transformer.h.{N}.mlp.c_proj.{P}', 'blk.{N}.ffn_down.{P}'],
];

const NAMES: Record<GgufArch, readonly Pair[]> = { llama: LLAMA_NAMES, qwen2: LLAMA_NAMES, gpt2: GPT2_NAMES };

interface Rule {
  from: RegExp;
  to: string;
}

function compile(pattern: string): RegExp {
  const escaped = pattern.replace(/[.]/g, '\\.').replace('{N}', '(?<N>\\d+)').replace('{P}', '(?<P>weight|bias)');
  return new RegExp(`^${escaped}$`);
}

function rules(pairs: readonly Pair[], dir: 0 | 1): Rule[] {
  return pairs.map((p) => ({ from: compile(p[dir]), to: p[1 - dir]! }));
}

const TO_GGUF = Object.fromEntries(Object.entries(NAMES).map(([a, p]) => [a, rules(p, 0)])) as Record<GgufArch, Rule[]>;
const TO_HF = Object.fromEntries(Object.entries(NAMES).map(([a, p]) => [a, rules(p, 1)])) as Record<GgufArch, Rule[]>;

function apply(rs: readonly Rule[], name: string): string | undefined {
  for (const r of rs) {
    const m = r.from.exec(name);
    if (m) return r.to.replace('{N}', m.groups?.N ?? '').replace('{P}', m.groups?.P ?? '');
  }
  return undefined;
}

/** The GGUF name of a model parameter, or undefined when the architecture has no such tensor. */
export function ggufTensorName(arch: GgufArch, param: string): string | undefined {
  return apply(TO_GGUF[arch], param);
}

/** The model parameter a GGUF tensor holds, or undefined for tensors that are not parameters. */
export function paramForGgufTensor(arch: GgufArch, tensor: string): string | undefined {
  return apply(TO_HF[arch], tensor);
}

/** The GGUF architecture a config is written as (Mistral is "llama" in llama.cpp). */
export function ggufArchOf(config: ModelConfig): GgufArch {
  if (config.architecture === 'gpt2') return 'gpt2';
  return config.modelType === 'qwen2' ? 'qwen2' : 'llama';
}

/** Tensors that are metadata rather than parameters (llama3 rope factors are read into the config). */
const NON_PARAMETERS = new Set(['rope_freqs.weight']);

/** The GGUF checkpoint layout of an architecture, for `loadWeights`: llama.cpp names, no transposes. */
export function ggufFormat(arch: GgufArch): CheckpointFormat<ModelConfig> {
  return {
    name: 'gguf',
    locate(param) {
      const key = ggufTensorName(arch, param);
      return { keys: [key ?? param], layout: 'as-is' };
    },
    isIgnored(key) {
      return NON_PARAMETERS.has(key);
    },
  };
}

/**
 * How many heads' rows a GGUF tensor of the "llama" architecture has
 * permuted into llama.cpp's rope order, or 0 if it is not permuted.
 */
export function ropePermutedHeads(arch: GgufArch, tensor: string, config: ModelConfig): number {
  if (arch !== 'llama') return 0;
  if (/^blk\.\d+\.attn_q\.(weight|bias)$/.test(tensor)) return config.numHeads;
  if (/^blk\.\d+\.attn_k\.(weight|bias)$/.test(tensor)) return config.numKvHeads;
  return 0;
}
