/** GGUF <-> lmkit models: config and tensor-name mapping, rope row order, loading and saving. */
export { loadGgufModel, ggufWeightStore, type LoadGgufOptions, type LoadedGgufModel } from './load.js';
export { saveGguf, ggufContents, GGUF_SAVE_DTYPES, type SaveGgufOptions, type SaveGgufResult, type GgufSaveDType } from './save.js';
export { configFromGguf, configToGguf, ggufArchitecture, type GgufArchitectureParts } from './config.js';
export { tokenizerToGguf, type TokenizerGgufOptions } from './tokenizer-metadata.js';
export { ggufTensorName, paramForGgufTensor, ggufArchOf, ggufFormat, GGUF_ARCHITECTURES, type GgufArch } from './tensor-names.js';
export { permuteRopeRows, type RopeOrder } from './rope-permute.js';
export { llama3RopeFactors, llama3FromRopeFactors } from './rope-factors.js';
