import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { mixedText } from '../bench/mixed-text.js';
import { FileFormatError } from '../errors.js';
import { trainBpe } from './train-bpe.js';
import { Tokenizer } from './tokenizer.js';
import { JsonReader } from './json-util.js';
import { normalizerFromJSON } from './normalizers.js';
import { parseSentencePieceModel } from './sentencepiece.js';
import { fixtureDir, randomString, readFixture, rng } from './test-helpers.js';

const text = readFixture('multilingual.txt');
const lines = text.split('\n').filter((l) => l.length > 0);

function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-hf-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Loads the saved folder with both lmkit and @huggingface/tokenizers and compares ids on every input. */
async function compare(dir: string, inputs: readonly string[], addSpecial: boolean): Promise<Tokenizer> {
  const ours = await Tokenizer.load(dir);
  const hf = new HfTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
  for (const s of inputs) {
    const ref = hf.encode(s, { add_special_tokens: addSpecial }).ids;
    assert.deepEqual(ours.encode(s, { addSpecial, parseSpecial: true }), ref, JSON.stringify(s));
    assert.equal(ours.decode(ref), hf.decode(ref, { clean_up_tokenization_spaces: false }), `decode ${JSON.stringify(s)}`);
  }
  return ours;
}

test('BPE: a tokenizer trained by lmkit, saved as tokenizer.json, gives the same ids in @huggingface/tokenizers', async () => {
  const tok = await trainBpe({ texts: [mixedText(300_000, 7), text], vocabSize: 1200, specialTokens: ['<|endoftext|>', '<|pad|>'] });
  assert.equal(tok.vocabSize, 1200);
  await withDir(async (dir) => {
    tok.save(dir);
    const rand = rng(3);
    const inputs = [text, ...lines, 'x<|endoftext|>y', ...Array.from({ length: 200 }, () => randomString(rand, 20))];
    const ours = await compare(dir, inputs, false);
    assert.equal(ours.hash(), tok.hash());
    assert.equal(ours.eosId, 0);
  });
});

/**
 * Substrings of the text's words, scored by log frequency: a small Unigram
 * vocabulary of our own. A small per-piece jitter keeps two segmentations
 * from scoring exactly equal, where implementations may break the tie differently.
 */
function unigramVocab(): [string, number][] {
  const counts = new Map<string, number>();
  for (const w of text.split(/\s+/u)) {
    const chars = Array.from('▁' + w);
    for (let i = 0; i < chars.length; i++) {
      for (let n = 1; n <= 4 && i + n <= chars.length; n++) {
        const s = chars.slice(i, i + n).join('');
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const vocab: [string, number][] = [['<unk>', 0], ['<s>', 0], ['</s>', 0]];
  const rand = rng(11);
  for (const [s, c] of counts) if (c >= 2 || [...s].length === 1) vocab.push([s, Math.log(c / total) - [...s].length * 0.01 - rand() * 1e-3]);
  return vocab;
}

test('Unigram: hand-built tokenizer.json gives the same ids as @huggingface/tokenizers', async () => {
  const json = {
    version: '1.0',
    added_tokens: [
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 2, content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'NFKC' },
    // split: false because @huggingface/tokenizers ignores `split` (it never splits at ▁),
    // so with split: true its Viterbi runs over whole lines where the Rust library runs per word.
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [],
      special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 0, vocab: unigramVocab(), byte_fallback: false },
  };
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>', unk_token: '<unk>' }));
    const ours = await compare(dir, [text, ...lines, 'Größe 12,50 €', 'zzz qqq'], true);
    assert.ok(ours.encode('x 🦄🦄 y').includes(0), 'unknown characters map to <unk>');
  });
});

test('WordPiece: a BERT-style tokenizer.json gives the same ids as @huggingface/tokenizers', async () => {
  const vocab: Record<string, number> = {};
  for (const t of ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']) vocab[t] = Object.keys(vocab).length;
  const words = text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
  for (const w of words) {
    for (const ch of w) {
      vocab[ch] ??= Object.keys(vocab).length;
      vocab['##' + ch] ??= Object.keys(vocab).length;
    }
  }
  for (const w of words.filter((_, i) => i % 3 === 0)) {
    vocab[w] ??= Object.keys(vocab).length;
    if (w.length > 4) vocab['##' + w.slice(2)] ??= Object.keys(vocab).length;
  }
  for (const p of '.,!?;:()[]{}<>/\\|-_+=*&^%$#@~`\'"') vocab[p] ??= Object.keys(vocab).length;
  const json = {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  await withDir(async (dir) => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', pad_token: '[PAD]' }));
    await compare(dir, [...lines, 'Hello [MASK] world'], true);
  });
});

test('bad tokenizer.json files give errors naming the file and the field', async () => {
  await withDir(async (dir) => {
    const p = join(dir, 'tokenizer.json');
    writeFileSync(p, '{"model": {"type": "BPE", "vocab": {"a": 0}, "mer');
    await assert.rejects(Tokenizer.load(p), (e: unknown) => e instanceof FileFormatError && e.message.startsWith(`[${p}] is not valid JSON`));
    writeFileSync(p, JSON.stringify({ model: { type: 'Fancy', vocab: {} } }));
    await assert.rejects(Tokenizer.load(p), { message: `[${p}] model.type: unknown model type 'Fancy'; supported: BPE, Unigram, WordPiece, WordLevel` });
    writeFileSync(p, JSON.stringify({ model: { type: 'BPE', vocab: { a: 0, b: 1 }, merges: [['a', 'b']] } }));
    await assert.rejects(Tokenizer.load(p), { message: `[${p}] model.merges: merge 0 ("a b") makes "ab", which is not in the vocabulary` });
    writeFileSync(p, JSON.stringify({ model: { type: 'BPE', vocab: { a: 'zero' }, merges: [] } }));
    await assert.rejects(Tokenizer.load(p), { message: `[${p}] model.vocab["a"]: expected a number, got the string "zero"` });
    writeFileSync(p, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    await assert.rejects(Tokenizer.load(p), { message: `[${p}] is not valid UTF-8 text` });
  });
});

test('Precompiled normalizer: SentencePiece charsmap applied per grapheme, as the Rust library does', () => {
  const m = parseSentencePieceModel(readFileSync(join(fixtureDir, 'spm-unigram.model')), 'spm-unigram.model');
  const r = new JsonReader('tokenizer.json');
  const n = normalizerFromJSON({ type: 'Precompiled', precompiled_charsmap: Buffer.from(m.normalizer.charsmap!).toString('base64') }, r)!;
  assert.equal(n.normalize('ｶﾀｶﾅ ｈａｌｆ①②ﬁﬂ ™ ㍿ e\u0301'), 'カタカナ half12fifl TM 株式会社 é');
  // CR LF is one grapheme: the rule for CR replaces all of it (SentencePiece itself gives two spaces).
  assert.equal(n.normalize('a\r\nb'), 'a b');
});
