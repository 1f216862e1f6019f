/** File formats: GGUF, safetensors, quant blocks, hub download, atomic writes. */
export { readGguf, readGgufTensor, ggufTensor, GGUF_DEFAULT_ALIGNMENT } from './gguf.js';
export type { GgufFile, GgufTensorInfo, GgufUnsupportedTensor, ReadGgufOptions } from './gguf.js';
export { gguf, GgufTyped, formatGgufType, GGML_TYPES } from './gguf-types.js';
export type { GgufValue, GgufType, GgufScalarType, GgmlTypeInfo } from './gguf-types.js';
export { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
export { writeGguf } from './gguf-writer.js';
export type { GgufTensorInput, WriteGgufOptions } from './gguf-writer.js';
export { readSafetensors, readSafetensorsTensor, safetensorsTensor, SAFETENSORS_DTYPE_SIZES } from './safetensors.js';
export type { SafetensorsFile, SafetensorsTensorInfo, SafetensorsUnsupportedTensor, ReadSafetensorsOptions } from './safetensors.js';
export { writeSafetensors, writeSafetensorsSharded, formatShardIndex } from './safetensors-writer.js';
export type { SafetensorsTensorInput, WriteSafetensorsOptions, WriteShardedOptions, ShardedResult } from './safetensors-writer.js';
export { openTensorStore, ggufStore, safetensorsStore, safetensorsFolderStore } from './tensor-store.js';
export type { TensorStore, StoredTensor } from './tensor-store.js';
