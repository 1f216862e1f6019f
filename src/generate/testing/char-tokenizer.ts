/**
 * A tokenizer over a short alphabet, one character per id, with the last id as
 * EOS: small enough to enumerate every output in tests (beam search, scoring).
 */
import type { StreamingDecoder, TextTokenizer } from '../types.js';

export class CharTokenizer implements TextTokenizer {
  readonly eosIds: readonly number[];
  readonly bosId = undefined;
  readonly vocabSize: number;

  constructor(readonly alphabet: string) {
    this.vocabSize = alphabet.length + 1;
    this.eosIds = [alphabet.length];
  }

  encode(text: string): number[] {
    return [...text].map((c) => {
      const i = this.alphabet.indexOf(c);
      if (i < 0) throw new Error(`'${c}' is not in the alphabet`);
      return i;
    });
  }

  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    return ids.map((i) => (i === this.alphabet.length ? (opts.skipSpecial ? '' : '<eos>') : this.alphabet[i]!)).join('');
  }

  decoder(opts: { skipSpecial?: boolean } = {}): StreamingDecoder {
    return { push: (id) => this.decode([id], opts), flush: () => '' };
  }

  idToToken(id: number): string | undefined {
    return id === this.alphabet.length ? '<eos>' : this.alphabet[id];
  }
}
