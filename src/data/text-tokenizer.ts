/**
 * What the data pipeline needs from a tokenizer. `Tokenizer` from
 * src/tokenizers satisfies it structurally; so does `ByteTokenizer`, the
 * dependency-free one used by tests and quick experiments.
 */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Id appended after every document; the pipeline refuses a tokenizer without one. */
  readonly eosId: number | undefined;
  encode(text: string, opts?: { parseSpecial?: boolean }): number[];
  decode(ids: readonly number[]): string;
  /** A stable digest of the tokenizer's definition; shards record it so a mismatch is caught. */
  hash(): string;
}
