import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../errors.js';
import { createRuntime } from '../../tensor/index.js';
import { generate } from '../generate.js';
import { ByteTokenizer, EOS } from '../testing/byte-tokenizer.js';
import { bigramLM } from '../testing/scripted.js';
import { TinyAttentionLM } from '../testing/toy-lm.js';
import { constraintFor, tokenTableFor } from './index.js';
import { JsonGrammar } from './json-constraint.js';
import { compileSchema } from './schema.js';
import { buildTokenTable, child } from './token-table.js';

const rt = createRuntime({ backend: 'js' });
// Multi-byte tokens that straddle JSON structure, as real vocabularies have.
const EXTRA = ['{"', '":', '",', '"}', '"]', '},', ' "', 'true', 'null', 'name', 'é', '😀', '\\n', '12', '.5', '": "', '[{', ' ', '  ', 'a"b'];
const ajv = new Ajv({ strict: false, allErrors: true });

test('token bytes: single bytes from GPT-2 or <0xNN> vocabulary forms, merged tokens from their text; EOS left out', () => {
  for (const vocabForm of ['gpt2', 'hex'] as const) {
    const tok = new ByteTokenizer({ extra: EXTRA, vocabForm });
    const t = buildTokenTable(tok);
    for (let id = 0; id < tok.vocabSize; id++) {
      assert.deepEqual([...t.bytes[id]!], [...tok.tokenBytes(id)], `${vocabForm} id ${id}`);
    }
    assert.equal(t.bytes[EOS]!.length, 0);
    // every token is found in the trie at the end of its bytes
    for (let id = 0; id < tok.vocabSize; id++) {
      const b = t.bytes[id]!;
      if (!b.length) continue;
      let node = 0;
      for (const c of b) node = child(t.trie, node, c);
      const ids = [...t.trie.ids.subarray(t.trie.tokStart[node]!, t.trie.tokStart[node + 1]!)];
      assert.ok(ids.includes(id), `id ${id}`);
    }
  }
});

test('the trie mask equals a brute-force check of every token, and EOS is allowed only when complete', () => {
  const tok = new ByteTokenizer({ extra: EXTRA });
  const schema = { type: 'object', properties: { name: { type: 'string' }, n: { type: 'number' } }, required: ['name'] };
  const g = new JsonGrammar(tokenTableFor(tok), compileSchema(schema));
  const enc = new TextEncoder();
  for (const prefix of ['', '{', '{"na', '{"name":"x', '{"name":"x\\', '{"name":"x","n":1', '{"name":"x"}']) {
    const s = g.matcher.walk(g.matcher.initial, enc.encode(prefix))!;
    const m = g.mask(s);
    for (let id = 0; id < tok.vocabSize; id++) {
      const bit = (m[id >>> 5]! >>> (id & 31)) & 1;
      const b = g.table.bytes[id]!;
      const want = id === EOS ? s.accepting : b.length > 0 && g.matcher.walk(s, b) !== null;
      assert.equal(bit === 1, want, `prefix ${JSON.stringify(prefix)} token ${id}`);
    }
  }
});

// Random schemas of the supported subset.
const key = fc.oneof(fc.constantFrom('name', 'a', 'é', 'a"b', 'line\nbreak', 'x y'), fc.string({ minLength: 1, maxLength: 4 }));
const { schema: schemaArb } = fc.letrec<{ schema: unknown; leaf: unknown }>((tie) => ({
  leaf: fc.oneof(
    fc.record({ type: fc.constant('string'), minLength: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), maxLength: fc.option(fc.integer({ min: 3, max: 6 }), { nil: undefined }) }, { requiredKeys: ['type'] }),
    fc.constant({ type: 'number' }),
    fc.constant({ type: 'integer' }),
    fc.constant({ type: 'boolean' }),
    fc.constant({ type: 'null' }),
    fc.constant({ type: ['string', 'null'] }),
    fc.record({ enum: fc.uniqueArray(fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -5, max: 99 }), fc.boolean(), fc.constant(null)), { minLength: 1, maxLength: 4 }) }),
    fc.record({ const: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant([1, 'a'])) }),
  ),
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.dictionary(key, tie('schema'), { maxKeys: 3 }).chain((props) =>
      fc.record({
        type: fc.constant('object'),
        properties: fc.constant(props),
        required: fc.subarray(Object.keys(props)),
        additionalProperties: fc.boolean(),
      }),
    ),
    fc.record(
      { type: fc.constant('array'), items: tie('schema'), minItems: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }), maxItems: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }) },
      { requiredKeys: ['type', 'items'] },
    ),
    fc.record({ anyOf: fc.array(tie('schema'), { minLength: 1, maxLength: 3 }) }),
    fc.constant({ type: 'object' }),
  ),
}));

test('property: random schemas and random models always produce JSON that parses and validates', async () => {
  const tok = new ByteTokenizer({ extra: EXTRA });
  const models = [bigramLM(rt, tok.vocabSize, 1), bigramLM(rt, tok.vocabSize, 2), new TinyAttentionLM(rt, { vocabSize: tok.vocabSize, seed: 4, contextLength: 256 })];
  await fc.assert(
    fc.asyncProperty(schemaArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), async (schema, mi, seed, extra, greedy) => {
      const factory = constraintFor(tok, { type: 'json_schema', schema })!;
      const need = factory.create().minTokens();
      const r = await generate(models[mi]!, tok, [EOS - 1], {
        seed,
        temperature: greedy ? 0 : 1.2,
        maxTokens: need + extra,
        responseFormat: { type: 'json_schema', schema },
      });
      let value: unknown;
      try {
        value = JSON.parse(r.text);
      } catch (e) {
        assert.fail(`not JSON: ${JSON.stringify(r.text)} (${(e as Error).message})`);
      }
      const ok = ajv.validate(schema as object, value);
      assert.ok(ok, `${JSON.stringify(r.text)} fails ${JSON.stringify(schema)}: ${ajv.errorsText()}`);
      assert.ok(r.tokens.length <= need + extra);
    }),
    { numRuns: 120, seed: 20240601 },
  );
});

test('JSON mode gives a JSON object even when the budget is tight', async () => {
  const tok = new ByteTokenizer({ extra: EXTRA });
  const model = bigramLM(rt, tok.vocabSize, 9);
  for (let maxTokens = 2; maxTokens < 30; maxTokens += 3) {
    const r = await generate(model, tok, 'x', { seed: maxTokens, maxTokens, responseFormat: { type: 'json' } });
    const v = JSON.parse(r.text);
    assert.equal(typeof v, 'object');
    assert.ok(v !== null && !Array.isArray(v));
  }
});

test('a budget below the shortest valid output is an error before any step', async () => {
  const tok = new ByteTokenizer();
  const model = bigramLM(rt, tok.vocabSize, 1);
  const schema = { type: 'object', properties: { long_property_name: { type: 'string' } }, required: ['long_property_name'] };
  await assert.rejects(
    generate(model, tok, 'x', { maxTokens: 10, responseFormat: { type: 'json_schema', schema } }),
    (e: unknown) => e instanceof InvalidArgumentError && /needs 25 tokens; raise maxTokens/.test(e.message),
  );
  assert.equal(model.calls.length, 0);
});

test('extra stop token ids end a complete constrained output like EOS does', async () => {
  const tok = new ByteTokenizer({ extra: ['<end>'] });
  const end = tok.idOf('<end>');
  const { scriptedLM } = await import('../testing/scripted.js');
  const model = scriptedLM(rt, tok.vocabSize, 2, [0x31, 0x32, end]);
  const r = await generate(model, tok, 'x', { temperature: 0, maxTokens: 10, stopTokenIds: [end], responseFormat: { type: 'json_schema', schema: { type: 'integer' } } });
  assert.equal(r.text, '12');
  assert.equal(r.finishReason, 'eos');
});
