/**
 * GGUF architecture metadata <-> lmkit model configs.
 *
 * Keys and value types are llama.cpp's (gguf-py constants, read by
 * llama-model.cpp): counts are u32, epsilons and rope bases f32, names
 * strings. For architecture ARCH (llama, qwen2, gpt2):
 *
 *   ARCH.context_length            contextLength
 *   ARCH.embedding_length          hiddenSize
 *   ARCH.block_count               numLayers
 *   ARCH.feed_forward_length       intermediateSize
 *   ARCH.attention.head_count      numHeads
 *   ARCH.attention.head_count_kv   numKvHeads (default: head_count)
 *   ARCH.attention.key_length      headDim (default: embedding_length / head_count)
 *   ARCH.rope.dimension_count      must equal the head dim (partial rope is not supported)
 *   ARCH.attention.layer_norm_rms_epsilon (llama, qwen2) / layer_norm_epsilon (gpt2)
 *   ARCH.rope.freq_base            ropeTheta (default 10000)
 *   ARCH.rope.scaling.type/factor/original_context_length, yarn_*: linear and yarn scaling
 *   rope_freqs.weight (tensor)     llama3 scaling (./rope-factors.ts)
 *   ARCH.attention.sliding_window  slidingWindow (llama: Mistral)
 *
 * What the keys do not say comes from the tensors: biases (attn_q.bias ...),
 * tied embeddings (no output.weight), the vocabulary size (token_embd rows).
 */
import { ConfigError, FileFormatError, UnsupportedError, type ConfigIssue } from '../../errors.js';
import { readGgufTensor, type GgufFile } from '../../io/gguf.js';
import { gguf, type GgufTyped, type GgufValue } from '../../io/gguf-types.js';
import type { RopeScaling } from '../../nn/rope.js';
import type { ModelConfig } from '../registry.js';
import { llamaConfig, type LlamaConfig, type LlamaModelType } from '../llama/config.js';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.js';
import { GgufMeta } from './metadata.js';
import { llama3FromRopeFactors, llama3RopeFactors } from './rope-factors.js';
import { GGUF_ARCHITECTURES, ggufArchOf, type GgufArch } from './tensor-names.js';

/** The model's architecture as the file states it; UnsupportedError (naming the file and key) for others. */
export function ggufArchitecture(file: GgufFile): GgufArch {
  const m = new GgufMeta(file.metadata, file.path);
  const arch = m.string('general.architecture');
  if (!(GGUF_ARCHITECTURES as readonly string[]).includes(arch)) {
    throw new UnsupportedError(file.path, `general.architecture '${arch}' is not supported; lmkit loads ${GGUF_ARCHITECTURES.join(', ')} GGUF models`);
  }
  return arch as GgufArch;
}

function tensorShape(file: GgufFile, name: string): readonly number[] | undefined {
  return file.tensors.find((t) => t.name === name)?.shape;
}

function vocabSize(file: GgufFile, m: GgufMeta, arch: GgufArch): number {
  const rows = tensorShape(file, 'token_embd.weight')?.[0];
  if (rows !== undefined) return rows;
  const declared = m.uint(`${arch}.vocab_size`, 'optional');
  if (declared !== undefined) return declared;
  const tokens = file.metadata['tokenizer.ggml.tokens'];
  if (Array.isArray(tokens)) return tokens.length;
  return m.fail('token_embd.weight', 'missing: the file has no token embeddings, so its vocabulary size is unknown');
}

/** Option names of the models' configs -> the GGUF key that set them, for errors. */
function keyNames(arch: GgufArch): Record<string, string> {
  return {
    vocabSize: 'token_embd.weight',
    contextLength: `${arch}.context_length`,
    hiddenSize: `${arch}.embedding_length`,
    numLayers: `${arch}.block_count`,
    numHeads: `${arch}.attention.head_count`,
    numKvHeads: `${arch}.attention.head_count_kv`,
    headDim: `${arch}.attention.key_length`,
    intermediateSize: `${arch}.feed_forward_length`,
    rmsNormEps: `${arch}.attention.layer_norm_rms_epsilon`,
    layerNormEps: `${arch}.attention.layer_norm_epsilon`,
    ropeTheta: `${arch}.rope.freq_base`,
    ropeScaling: `${arch}.rope.scaling`,
    slidingWindow: `${arch}.attention.sliding_window`,
  };
}

/** Builds the config through the family's own validation, renaming its fields to the GGUF keys. */
function build<T>(arch: GgufArch, source: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const names = keyNames(arch);
    const issues: ConfigIssue[] = e.issues.map((i) => ({ ...i, path: i.path.length ? [names[String(i.path[0])] ?? String(i.path[0]), ...i.path.slice(1)] : i.path }));
    throw new ConfigError(source, issues);
  }
}

function ropeScalingFromGguf(file: GgufFile, m: GgufMeta, arch: GgufArch, headDim: number, theta: number): RopeScaling | null {
  const type = m.string(`${arch}.rope.scaling.type`, 'optional') ?? 'none';
  const factor = m.float(`${arch}.rope.scaling.factor`, 'optional') ?? m.float(`${arch}.rope.scale_linear`, 'optional');
  const freqs = file.tensors.find((t) => t.name === 'rope_freqs.weight');
  if (freqs) {
    if (type !== 'none' && type !== 'linear') throw new UnsupportedError(file.path, `rope_freqs.weight together with ${arch}.rope.scaling.type '${type}' is not supported`);
    const f = readGgufTensor(file, freqs);
    if (!(f instanceof Float32Array)) m.fail('rope_freqs.weight', `expected an f32 tensor, got ${freqs.dtype}`);
    return llama3FromRopeFactors(f, headDim, theta, file.path);
  }
  if (type === 'none' || factor === undefined || factor === 1 || factor === 0) {
    if (type === 'yarn' || type === 'longrope') throw new UnsupportedError(file.path, `${arch}.rope.scaling.type '${type}' without ${arch}.rope.scaling.factor is not supported`);
    return null;
  }
  if (type === 'linear') return { type: 'linear', factor };
  if (type === 'yarn') {
    const s: { -readonly [K in keyof Extract<RopeScaling, { type: 'yarn' }>]: Extract<RopeScaling, { type: 'yarn' }>[K] } = { type: 'yarn', factor };
    const orig = m.uint(`${arch}.rope.scaling.original_context_length`, 'optional');
    if (orig !== undefined) s.originalMaxPositions = orig;
    const fast = m.float(`${arch}.rope.scaling.yarn_beta_fast`, 'optional');
    if (fast !== undefined) s.betaFast = fast;
    const slow = m.float(`${arch}.rope.scaling.yarn_beta_slow`, 'optional');
    if (slow !== undefined) s.betaSlow = slow;
    const attn = m.float(`${arch}.rope.scaling.yarn_attn_factor`, 'optional');
    if (attn !== undefined) s.attentionFactor = attn;
    return s;
  }
  throw new UnsupportedError(file.path, `${arch}.rope.scaling.type '${type}' is not supported; lmkit reads none, linear, yarn and llama3 (rope_freqs)`);
}

function llamaFromGguf(file: GgufFile, m: GgufMeta, arch: 'llama' | 'qwen2'): LlamaConfig {
  const has = (name: string) => file.tensors.some((t) => t.name === name);
  const hiddenSize = m.uint(`${arch}.embedding_length`);
  const numHeads = m.uint(`${arch}.attention.head_count`);
  if (numHeads === 0) m.fail(`${arch}.attention.head_count`, 'must be positive');
  const headDim = m.uint(`${arch}.attention.key_length`, 'optional') ?? Math.floor(hiddenSize / numHeads);
  const valueLength = m.uint(`${arch}.attention.value_length`, 'optional');
  if (valueLength !== undefined && valueLength !== headDim) {
    throw new UnsupportedError(file.path, `${arch}.attention.value_length ${valueLength} differs from key_length ${headDim}; lmkit needs equal key and value head sizes`);
  }
  const ropeDims = m.uint(`${arch}.rope.dimension_count`, 'optional');
  if (ropeDims !== undefined && ropeDims !== headDim) {
    throw new UnsupportedError(file.path, `${arch}.rope.dimension_count ${ropeDims} is not the head dim ${headDim}; partial rotary embeddings are not supported`);
  }
  const ropeTheta = m.float(`${arch}.rope.freq_base`, 'optional') ?? 10000;
  const qkvBias = has('blk.0.attn_q.bias');
  const oBias = has('blk.0.attn_output.bias');
  const mlpBias = has('blk.0.ffn_up.bias');
  const slidingWindow = m.uint(`${arch}.attention.sliding_window`, 'optional') ?? null;
  // The HF model type that expresses this combination (all compute the same way).
  let modelType: LlamaModelType = 'llama';
  if (arch === 'qwen2' || (qkvBias && !oBias && !mlpBias)) modelType = 'qwen2';
  else if (slidingWindow !== null) modelType = 'mistral';
  if (arch === 'qwen2' && (oBias || mlpBias)) throw new UnsupportedError(file.path, 'a qwen2 model with attn_output or ffn biases is not supported');
  const ropeScaling = ropeScalingFromGguf(file, m, arch, headDim, ropeTheta);
  return build(arch, file.path, () =>
    llamaConfig(
      {
        modelType,
        vocabSize: vocabSize(file, m, arch),
        contextLength: m.uint(`${arch}.context_length`),
        hiddenSize,
        numLayers: m.uint(`${arch}.block_count`),
        numHeads,
        numKvHeads: m.uint(`${arch}.attention.head_count_kv`, 'optional') ?? numHeads,
        headDim,
        intermediateSize: m.uint(`${arch}.feed_forward_length`),
        tieWordEmbeddings: !has('output.weight'),
        rmsNormEps: m.float(`${arch}.attention.layer_norm_rms_epsilon`),
        ropeTheta,
        ropeScaling,
        qkvBias,
        oBias,
        mlpBias,
        slidingWindow: modelType === 'qwen2' && arch === 'llama' ? null : slidingWindow,
        maxWindowLayers: 0,
        bosTokenId: m.tokenId('tokenizer.ggml.bos_token_id'),
        eosTokenId: m.tokenId('tokenizer.ggml.eos_token_id'),
        padTokenId: m.tokenId('tokenizer.ggml.padding_token_id'),
      },
      file.path,
    ),
  );
}

function gpt2FromGguf(file: GgufFile, m: GgufMeta): Gpt2Config {
  const hasOutput = file.tensors.some((t) => t.name === 'output.weight');
  return build('gpt2', file.path, () =>
    gpt2Config(
      {
        vocabSize: vocabSize(file, m, 'gpt2'),
        contextLength: m.uint('gpt2.context_length'),
        hiddenSize: m.uint('gpt2.embedding_length'),
        numLayers: m.uint('gpt2.block_count'),
        numHeads: m.uint('gpt2.attention.head_count'),
        intermediateSize: m.uint('gpt2.feed_forward_length'),
        layerNormEps: m.float('gpt2.attention.layer_norm_epsilon'),
        tieWordEmbeddings: !hasOutput,
        bosTokenId: m.tokenId('tokenizer.ggml.bos_token_id'),
        eosTokenId: m.tokenId('tokenizer.ggml.eos_token_id'),
      },
      file.path,
    ),
  );
}

/** The model config a GGUF file describes. Errors name the file and the key. */
export function configFromGguf(file: GgufFile): ModelConfig {
  const arch = ggufArchitecture(file);
  const m = new GgufMeta(file.metadata, file.path);
  const kv = m.uint(`${arch}.attention.head_count_kv`, 'optional');
  if (kv === 0) throw new FileFormatError(file.path, 'must be positive', `${arch}.attention.head_count_kv`);
  return arch === 'gpt2' ? gpt2FromGguf(file, m) : llamaFromGguf(file, m, arch);
}

export type GgufMetadata = Record<string, GgufValue | GgufTyped>;

export interface GgufArchitectureParts {
  readonly arch: GgufArch;
  readonly metadata: GgufMetadata;
  /** Tensors that carry config rather than parameters (llama3's rope_freqs.weight). */
  readonly extraTensors: readonly { name: string; data: Float32Array }[];
  /** What GGUF cannot express and was approximated (e.g. dynamic NTK rope). */
  readonly warnings: readonly string[];
}

/** The architecture keys (and extra tensors) llama.cpp needs to run a model with this config. */
export function configToGguf(config: ModelConfig): GgufArchitectureParts {
  const arch = ggufArchOf(config);
  const md: GgufMetadata = {
    'general.architecture': arch,
    [`${arch}.vocab_size`]: gguf.u32(config.vocabSize),
    [`${arch}.context_length`]: gguf.u32(config.contextLength),
    [`${arch}.embedding_length`]: gguf.u32(config.hiddenSize),
    [`${arch}.block_count`]: gguf.u32(config.numLayers),
    [`${arch}.feed_forward_length`]: gguf.u32(config.intermediateSize),
    [`${arch}.attention.head_count`]: gguf.u32(config.numHeads),
  };
  const warnings: string[] = [];
  const extraTensors: { name: string; data: Float32Array }[] = [];
  if (config.architecture === 'gpt2') {
    if (config.activation !== 'gelu_tanh') throw new UnsupportedError('saveGguf', `llama.cpp's gpt2 uses the tanh GELU; activation '${config.activation}' cannot be expressed in GGUF`);
    if (config.scaleAttnByInverseLayerIdx || !config.scaleAttnWeights) throw new UnsupportedError('saveGguf', "llama.cpp's gpt2 scales attention by 1/sqrt(head dim) only; scale_attn_weights=false or scale_attn_by_inverse_layer_idx cannot be expressed in GGUF");
    md['gpt2.attention.layer_norm_epsilon'] = gguf.f32(config.layerNormEps);
    return { arch, metadata: md, extraTensors, warnings };
  }
  if (config.activation !== 'silu') throw new UnsupportedError('saveGguf', `llama.cpp's ${arch} uses SiLU; activation '${config.activation}' cannot be expressed in GGUF`);
  md[`${arch}.attention.head_count_kv`] = gguf.u32(config.numKvHeads);
  md[`${arch}.attention.layer_norm_rms_epsilon`] = gguf.f32(config.rmsNormEps);
  md[`${arch}.rope.freq_base`] = gguf.f32(config.ropeTheta);
  md[`${arch}.rope.dimension_count`] = gguf.u32(config.headDim);
  if (config.headDim * config.numHeads !== config.hiddenSize) {
    md[`${arch}.attention.key_length`] = gguf.u32(config.headDim);
    md[`${arch}.attention.value_length`] = gguf.u32(config.headDim);
  }
  if (config.slidingWindow !== null) {
    if (arch === 'qwen2' || config.maxWindowLayers !== 0) warnings.push(`the sliding window (${config.slidingWindow}) of layers >= ${config.maxWindowLayers} is not written: llama.cpp's ${arch} has none`);
    else md[`${arch}.attention.sliding_window`] = gguf.u32(config.slidingWindow);
  }
  const s = config.ropeScaling;
  if (s?.type === 'linear') {
    md[`${arch}.rope.scaling.type`] = 'linear';
    md[`${arch}.rope.scaling.factor`] = gguf.f32(s.factor);
  } else if (s?.type === 'yarn') {
    md[`${arch}.rope.scaling.type`] = 'yarn';
    md[`${arch}.rope.scaling.factor`] = gguf.f32(s.factor);
    md[`${arch}.rope.scaling.original_context_length`] = gguf.u32(s.originalMaxPositions ?? config.contextLength);
    if (s.betaFast !== undefined) md[`${arch}.rope.scaling.yarn_beta_fast`] = gguf.f32(s.betaFast);
    if (s.betaSlow !== undefined) md[`${arch}.rope.scaling.yarn_beta_slow`] = gguf.f32(s.betaSlow);
    if (s.attentionFactor !== undefined) md[`${arch}.rope.scaling.yarn_attn_factor`] = gguf.f32(s.attentionFactor);
    if (s.mscale !== undefined || s.mscaleAllDim !== undefined) warnings.push('yarn mscale/mscale_all_dim are not written: GGUF has no key for them');
  } else if (s?.type === 'llama3') {
    extraTensors.push({ name: 'rope_freqs.weight', data: llama3RopeFactors(s, config.headDim, config.ropeTheta) });
  } else if (s?.type === 'dynamic') {
    warnings.push(`dynamic NTK rope scaling (factor ${s.factor}) is not written: GGUF has no such scaling; the model is unchanged up to its context length of ${config.contextLength}`);
  }
  return { arch, metadata: md, extraTensors, warnings };
}
