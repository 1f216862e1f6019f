import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PATTERNS, knownPattern, scannerFor, splitWithRegExp, toJsRegExp, type KnownPattern } from './pretokenize-regex.js';
import { randomString, readFixture, rng } from './test-helpers.js';

type Flavor = 'unicode' | 'js';

function scan(name: KnownPattern, text: string, flavor: Flavor): string[] {
  const s = scannerFor(PATTERNS[name], flavor)!;
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const j = s(text, i, text.length);
    assert.ok(j > i, `scanner ${name} made no progress at ${i}`);
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

function regex(name: KnownPattern, text: string, flavor: Flavor): string[] {
  const out: string[] = [];
  splitWithRegExp(toJsRegExp(PATTERNS[name], 'pattern', flavor), text, out);
  return out;
}

const names = Object.keys(PATTERNS) as KnownPattern[];

for (const flavor of ['unicode', 'js'] as const) {
  for (const name of names) {
    test(`${name} scanner (\\s: ${flavor}) splits the multilingual text exactly as the regex`, () => {
      const text = readFixture('multilingual.txt');
      assert.deepEqual(scan(name, text, flavor), regex(name, text, flavor));
    });

    test(`${name} scanner (\\s: ${flavor}) agrees with the regex on 2000 random strings`, () => {
      const rand = rng(name.length * 7919);
      for (let k = 0; k < 2000; k++) {
        const s = randomString(rand, 1 + Math.floor(rand() * 24));
        assert.deepEqual(scan(name, s, flavor), regex(name, s, flavor), JSON.stringify(s));
      }
    });
  }
}

test('the two meanings of \\s differ on U+0085 and U+FEFF', () => {
  assert.deepEqual(scan('gpt2', 'a  \ufeffb', 'unicode'), ['a', ' ', ' \ufeff', 'b']);
  assert.deepEqual(scan('gpt2', 'a  \ufeffb', 'js'), ['a', '  ', '\ufeff', 'b']);
  assert.deepEqual(scan('cl100k', 'x\u0085\u0085y', 'unicode'), ['x', '\u0085', '\u0085y']);
  assert.deepEqual(scan('cl100k', 'x\u0085\u0085y', 'js'), ['x', '\u0085\u0085', 'y']);
});

test('the regexes as js-tiktoken and Hugging Face files spell them are recognized', () => {
  const jsTiktokenCl100k = `('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
  assert.equal(knownPattern(jsTiktokenCl100k), 'cl100k');
  assert.equal(knownPattern(`'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`), 'gpt2');
  assert.equal(knownPattern(`\\p{L}+`), undefined);
});

test('toJsRegExp expands (?i:...) groups', () => {
  const re = toJsRegExp(`(?i:'re|'s)|x`);
  assert.equal(toJsRegExp(`(?i:\\s'd)`).source, "(?:\\p{White_Space}'[dD])");
  assert.deepEqual("'RE'S'sx".match(re), ["'RE", "'S", "'s", 'x']);
});
