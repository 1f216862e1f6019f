/** The data pipeline: streamed readers, token shards with a manifest, batch samplers. */
export type { TextTokenizer } from './text-tokenizer.js';
export { ByteTokenizer } from './byte-tokenizer.js';
export { readDocuments, detectFormat, type DocPiece, type DocSplit, type SourceFormat, type SourceOptions } from './sources.js';
export { resolveInputs, type ResolvedInputs } from './inputs.js';
export { ShardWriter, TokenShard, bytesPerToken, SHARD_MAGIC, SHARD_VERSION, type ShardHeader } from './shard-file.js';
export { readManifest, checkTokenizer, manifestMatches, MANIFEST_FILE, type ShardManifest, type SplitInfo, type SplitName } from './manifest.js';
export { prepareShards, type PrepareOptions } from './prepare.js';
export { openShards, TokenSplit, BatchSampler, evalBatches, type ShardSet, type Batch, type SamplerState, type SamplerOptions } from './dataset.js';
