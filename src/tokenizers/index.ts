/**
 * Tokenizers: one `Tokenizer` for Hugging Face tokenizer.json, SentencePiece
 * .model, tiktoken rank files, GPT-2 vocab.json + merges.txt and GGUF-embedded
 * vocabularies, plus byte-level BPE training.
 */
export { Tokenizer, canonicalJSON, type EncodeOptions, type DecodeOptions, type TokenizerParts } from './tokenizer.js';
export type { StreamDecoder } from './stream-decoder.js';
export type { AddedToken } from './added-tokens.js';
export type { TokenModel } from './model.js';
export type { TokenizerConfig } from './tokenizer-config.js';
export { trainBpe, type TrainBpeOptions } from './train-bpe.js';
export { tokenizerFromHfJson } from './hf-json.js';
export { sentencePieceFromBytes, parseSentencePieceModel } from './sentencepiece.js';
export { tiktokenFromText, tokenizerFromRanks, parseTiktokenRanks, ranksToTiktoken, KNOWN_ENCODINGS, type TiktokenOptions } from './tiktoken.js';
export { tokenizerFromGguf } from './gguf-tokenizer.js';
export { PATTERNS, type KnownPattern } from './pretokenize-regex.js';
export type { WhitespaceFlavor } from './pretokenize-scanners.js';
