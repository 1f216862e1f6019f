/**
 * llama.cpp's WordPiece ("bert" in GGUF files). The GGUF vocabulary marks word
 * starts with ▁ instead of marking continuations with ##, and the text is
 * prepared as llama.cpp does: NFD, accents and control characters dropped,
 * lowercase, split on whitespace, punctuation and CJK characters on their own.
 */
import type { Json } from './json-util.js';
import type { TokenModel } from './model.js';
import type { PreTokenizer } from './pre-tokenizers.js';
import { charClass, CONTROL, NONSPACING, PUNCT, SPACE, SYMBOL } from './unicode-class.js';
import { pushIds, WordCache } from './model.js';

const PHANTOM = '▁';

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** llama.cpp's WPM `preprocess`: the words of the text. */
export const llamaWpmPreTokenizer: PreTokenizer = {
  byteLevel: false,
  split(text: string, out: string[]): void {
    let word = '';
    for (const ch of text.normalize('NFD')) {
      const cp = ch.codePointAt(0)!;
      const k = charClass(cp);
      if (k & SPACE) {
        if (word) out.push(word);
        word = '';
        continue;
      }
      // Control characters go, and so do accents (nonspacing marks after NFD), as llama.cpp does.
      if (cp === 0 || cp === 0xfffd || k & (CONTROL | NONSPACING)) continue;
      const lower = cp < 0x80 ? (cp >= 65 && cp <= 90 ? String.fromCharCode(cp + 32) : ch) : ch.toLowerCase();
      if (k & PUNCT || (cp < 0x7f && k & SYMBOL) || isChinese(cp)) {
        if (word) out.push(word);
        out.push(lower);
        word = '';
      } else word += lower;
    }
    if (word) out.push(word);
  },
  toJSON: (): Json => ({
    type: 'Sequence',
    pretokenizers: [{ type: 'BertPreTokenizer' }],
  }),
};

export class LlamaWpmModel implements TokenModel {
  readonly type = 'WordPiece';
  readonly size: number;
  private readonly ids = new Map<string, number>();
  private readonly maxLen: number;

  constructor(
    private readonly tokens: readonly string[],
    private readonly unkId: number,
  ) {
    this.size = tokens.length;
    let maxLen = 0;
    tokens.forEach((t, id) => {
      if (!this.ids.has(t)) this.ids.set(t, id);
      maxLen = Math.max(maxLen, t.length);
    });
    this.maxLen = maxLen;
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  private readonly cache = new WordCache();

  encodeWord(word: string, out: number[]): void {
    const hit = this.cache.get(word);
    if (hit !== undefined) {
      pushIds(out, hit);
      return;
    }
    const ids: number[] = [];
    this.encodeUncached(word, ids);
    this.cache.set(word, ids.length === 1 ? ids[0]! : Int32Array.from(ids));
    for (const id of ids) out.push(id);
  }

  private encodeUncached(word: string, out: number[]): void {
    const w = PHANTOM + word;
    const start = out.length;
    for (let i = 0; i < w.length; ) {
      let matched = false;
      for (let j = Math.min(w.length, i + this.maxLen); j > i; j--) {
        const id = this.ids.get(w.slice(i, j));
        if (id !== undefined) {
          out.push(id);
          i = j;
          matched = true;
          break;
        }
      }
      if (!matched) {
        out.length = start;
        break;
      }
    }
    if (out.length === start) out.push(this.unkId);
  }

  /** As a Hugging Face WordPiece model: ▁x becomes x, other pieces ##x. */
  toJSON(): Record<string, unknown> {
    const vocab: Record<string, number> = {};
    this.tokens.forEach((t, id) => {
      const hf = t.startsWith(PHANTOM) ? t.slice(1) : /^\[.*\]$/.test(t) ? t : '##' + t;
      if (!(hf in vocab)) vocab[hf] = id;
    });
    return { type: 'WordPiece', unk_token: this.tokens[this.unkId] ?? '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab };
  }
}
