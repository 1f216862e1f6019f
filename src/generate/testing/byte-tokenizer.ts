/**
 * A byte-level tokenizer for tests: ids 0-255 are bytes, 256 is BOS, 257 EOS,
 * and 258+ are optional multi-byte tokens (greedy longest match when encoding).
 * Its streaming decoder returns only complete UTF-8 characters, like the real
 * tokenizer's. `vocabForm` picks how idToToken spells single bytes: GPT-2's
 * byte-to-unicode alphabet or SentencePiece's <0xNN>.
 */
import type { StreamingDecoder, TextTokenizer } from '../types.js';

export const BOS = 256;
export const EOS = 257;

const enc = new TextEncoder();

function gpt2Char(b: number): string {
  const printable = (x: number) => (x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff);
  if (printable(b)) return String.fromCodePoint(b);
  let n = 0;
  for (let x = 0; x < b; x++) if (!printable(x)) n++;
  return String.fromCodePoint(256 + n);
}

export class ByteTokenizer implements TextTokenizer {
  readonly eosIds: readonly number[] = [EOS];
  readonly bosId = BOS;
  private readonly extra: Uint8Array[];
  private readonly vocabForm: 'gpt2' | 'hex';

  constructor(opts: { extra?: readonly string[]; vocabForm?: 'gpt2' | 'hex' } = {}) {
    this.extra = (opts.extra ?? []).map((s) => enc.encode(s));
    this.vocabForm = opts.vocabForm ?? 'gpt2';
  }

  get vocabSize(): number {
    return 258 + this.extra.length;
  }

  /** Id of an extra token by its text. */
  idOf(text: string): number {
    const b = enc.encode(text);
    const i = this.extra.findIndex((e) => e.length === b.length && e.every((x, k) => x === b[k]));
    if (i < 0) throw new Error(`no extra token ${JSON.stringify(text)}`);
    return 258 + i;
  }

  tokenBytes(id: number): Uint8Array {
    if (id < 256) return Uint8Array.of(id);
    if (id >= 258) return this.extra[id - 258]!;
    return new Uint8Array(0);
  }

  encode(text: string, opts: { addSpecial?: boolean } = {}): number[] {
    const b = enc.encode(text);
    const ids: number[] = opts.addSpecial ? [BOS] : [];
    let i = 0;
    while (i < b.length) {
      let best = b[i]!;
      let len = 1;
      this.extra.forEach((e, k) => {
        if (e.length > len && e.every((x, j) => b[i + j] === x)) {
          best = 258 + k;
          len = e.length;
        }
      });
      ids.push(best);
      i += len;
    }
    return ids;
  }

  decode(ids: readonly number[], opts: { skipSpecial?: boolean } = {}): string {
    const dec = new TextDecoder('utf-8');
    let out = '';
    const bytes: number[] = [];
    for (const id of ids) {
      if (id === BOS || id === EOS) {
        if (!opts.skipSpecial) {
          out += dec.decode(Uint8Array.from(bytes.splice(0)), { stream: true }) + (id === BOS ? '<s>' : '</s>');
        }
        continue;
      }
      bytes.push(...this.tokenBytes(id));
    }
    return out + dec.decode(Uint8Array.from(bytes));
  }

  decoder(opts: { skipSpecial?: boolean } = {}): StreamingDecoder {
    let dec = new TextDecoder('utf-8');
    return {
      push: (id: number) => {
        if (id === BOS || id === EOS) return opts.skipSpecial ? '' : dec.decode(new Uint8Array(0)) + (id === BOS ? '<s>' : '</s>');
        return dec.decode(this.tokenBytes(id), { stream: true });
      },
      flush: () => {
        const t = dec.decode();
        dec = new TextDecoder('utf-8');
        return t;
      },
    };
  }

  idToToken(id: number): string | undefined {
    if (id === BOS) return '<s>';
    if (id === EOS) return '</s>';
    if (id < 256) return this.vocabForm === 'hex' ? `<0x${id.toString(16).toUpperCase().padStart(2, '0')}>` : gpt2Char(id);
    const e = this.extra[id - 258];
    if (!e) return undefined;
    return this.vocabForm === 'hex' ? new TextDecoder().decode(e) : [...e].map(gpt2Char).join('');
  }
}
