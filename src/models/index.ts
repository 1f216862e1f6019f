/** Model architectures, their configs and checkpoint layouts, and loading/saving. */
export type { Architecture, BaseModelConfig, CausalLM, ForwardOptions, ForwardOutput, KVCache, StepInput } from './types.js';
export { DecoderLM, type BlockContext, type DecoderBlock } from './decoder.js';
export { registry, createModel, familyOf, familyForHFConfig, SUPPORTED_MODEL_TYPES } from './registry.js';
export type { ModelConfig, LanguageModel, ModelFamily, CreateModelOptions } from './registry.js';
export { gpt2Config, gpt2ConfigFromHF, gpt2ConfigToHF, type Gpt2Config, type Gpt2Options } from './gpt2/config.js';
export { Gpt2LMHeadModel, Gpt2Transformer, Gpt2Block, Gpt2Attention } from './gpt2/model.js';
export { gpt2HF } from './gpt2/weights.js';
export { llamaConfig, llamaConfigFromHF, llamaConfigToHF, layerWindow, type LlamaConfig, type LlamaOptions, type LlamaModelType } from './llama/config.js';
export { LlamaForCausalLM, LlamaModel, LlamaDecoderLayer, LlamaAttention } from './llama/model.js';
export { llamaHF } from './llama/weights.js';
export { loadWeights, checkpointTensors, torchDtypeOf } from './weights.js';
export type { CheckpointFormat, TensorLocation, Layout, WeightStore, StoredTensorInfo, LoadWeightsOptions, SavedTensor, SaveDType } from './weights.js';
export { WeightShapeError, MissingWeightError } from './errors.js';
export { loadModel, MODEL_SOURCES, type TokenizerReader, type LoadModelOptions, type LoadedModel, type ModelSource, type ModelSourceInfo } from './load.js';
export { loadHFFolder, hfFolderSource, TOKENIZER_FILES } from './hf-folder.js';
export { saveModel, type SaveModelOptions } from './save.js';
export { generationConfigFromHF, generationConfigToHF, generationConfigFromModel, type GenerationConfig } from './generation-config.js';
export { parseConfigObject, readJsonFile, type ParsedConfig } from './hf-config.js';
