import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../data/corpus/generate.js';
import { splitText } from '../data/corpus/write.js';
import { END_OF_TEXT, IM_END, IM_START } from '../data/corpus/prompts.js';
import { prepareShards } from '../data/prepare.js';
import { openShards } from '../data/dataset.js';
import { trainingStream } from './corpus-eval.js';

/** Characters as ids, the corpus's three special tokens parsed as single ids. */
class CharTokenizer {
  readonly specials = [END_OF_TEXT, IM_START, IM_END];
  readonly vocabSize = 70000;
  readonly eosId = 0;
  encode(text: string, opts: { parseSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    let i = 0;
    while (i < text.length) {
      const s = opts.parseSpecial ? this.specials.findIndex((sp) => text.startsWith(sp, i)) : -1;
      if (s >= 0) {
        out.push(s);
        i += this.specials[s]!.length;
      } else {
        out.push(3 + text.charCodeAt(i));
        i++;
      }
    }
    return out;
  }
  decode(ids: readonly number[]): string {
    return ids.map((id) => (id < 3 ? this.specials[id]! : String.fromCharCode(id - 3))).join('');
  }
  tokenToId(token: string): number | undefined {
    const i = this.specials.indexOf(token);
    return i >= 0 ? i : undefined;
  }
  hash(): string {
    return 'chars';
  }
}

test('corpus perplexity scores exactly the token stream training sees (documents, separators, no stray newlines)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-corpus-eval-'));
  try {
    const records = generateCorpus({ seed: 3, scale: 0.01 }).splits.valid;
    assert.ok(records.some((r) => r.task === 'description') && records.some((r) => r.task === 'support'));
    const file = join(dir, 'valid.txt');
    writeFileSync(file, splitText(records));
    const tok = new CharTokenizer();
    await prepareShards({ inputs: [file], tokenizer: tok, outDir: join(dir, 'shards'), valFraction: 0, parseSpecial: true, separator: END_OF_TEXT });
    const train = openShards(join(dir, 'shards')).train;
    const shard = new Int32Array(train.numTokens);
    train.read(0, train.numTokens, shard);
    assert.deepEqual(trainingStream(tok, records), Array.from(shard));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
