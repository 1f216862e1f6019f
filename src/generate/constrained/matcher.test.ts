import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsupportedError, InvalidArgumentError } from '../../errors.js';
import { stateCompletion } from './completion.js';
import { Matcher } from './matcher.js';
import { compileSchema, NodeBuilder } from './schema.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function accepts(schema: unknown, text: string): boolean {
  const m = new Matcher(compileSchema(schema));
  const s = m.walk(m.initial, enc.encode(text));
  return s !== null && s.accepting;
}

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' }, maxItems: 2 } },
  required: ['name', 'age'],
  additionalProperties: false,
};

test('objects: required properties in schema order, optional ones may be left out, whitespace allowed', () => {
  assert.ok(accepts(person, '{"name":"Ann","age":31}'));
  assert.ok(accepts(person, ' { "name" : "Ann" ,\n "age": -4, "tags": ["a", "b"] }'));
  assert.ok(!accepts(person, '{"age":31,"name":"Ann"}'), 'order is the schema order');
  assert.ok(!accepts(person, '{"name":"Ann"}'), 'age is required');
  assert.ok(!accepts(person, '{"name":"Ann","age":31,}'), 'no trailing comma');
  assert.ok(!accepts(person, '{"name":"Ann","age":3.5}'), 'integer');
  assert.ok(!accepts(person, '{"name":"Ann","age":1,"tags":["a","b","c"]}'), 'maxItems');
  assert.ok(!accepts(person, '{"name":"Ann","age":1,"x":1}'), 'no extra properties');
  assert.ok(!accepts(person, '{"name":"Ann","age":31} '), 'nothing after the document');
});

test('strings: escapes, UTF-8 and length bounds in code points', () => {
  const s = { type: 'string', minLength: 2, maxLength: 3 };
  assert.ok(accepts(s, '"ab"'));
  assert.ok(accepts(s, '"a\\n😀"'));
  assert.ok(accepts(s, '"\\u00e9\\"x"'));
  assert.ok(!accepts(s, '"a"'));
  assert.ok(!accepts(s, '"abcd"'));
  assert.ok(!accepts({ type: 'string' }, '"\\ud83d"'), 'no escaped surrogates');
  assert.ok(!accepts({ type: 'string' }, '"a\nb"'), 'raw control characters are not allowed');
  assert.ok(!accepts({ type: 'string' }, '"\\x"'));
  const m = new Matcher(compileSchema({ type: 'string' }));
  assert.equal(m.walk(m.initial, Uint8Array.of(0x22, 0xc0, 0x80)), null, 'overlong UTF-8');
  assert.equal(m.walk(m.initial, Uint8Array.of(0x22, 0xed, 0xa0, 0x80)), null, 'UTF-8 surrogate');
  assert.notEqual(m.walk(m.initial, Uint8Array.of(0x22, 0xf0, 0x9f)), null, 'a partial 4-byte character is a valid prefix');
});

test('numbers follow JSON grammar with bounded digits', () => {
  for (const ok of ['0', '-0', '12', '-3.25', '1e5', '2.5E-3', '1e+10']) assert.ok(accepts({ type: 'number' }, ok), ok);
  for (const bad of ['01', '.5', '1.', '-', '1e', '+1', '1e123', '1234567890123456']) assert.ok(!accepts({ type: 'number' }, bad), bad);
  assert.ok(accepts({ type: 'integer' }, '-42'));
  assert.ok(!accepts({ type: 'integer' }, '4.0'));
  assert.ok(!accepts({ type: 'integer' }, '1e3'));
});

test('enum, const, anyOf, type lists, $ref and boolean schemas', () => {
  assert.ok(accepts({ enum: ['red', 2, null, { a: [1] }] }, '{"a":[1]}'));
  assert.ok(!accepts({ enum: ['red', 2] }, '"blue"'));
  assert.ok(accepts({ const: 'x' }, '"x"'));
  assert.ok(accepts({ anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'boolean' } }] }, '[true,false]'));
  assert.ok(accepts({ type: ['string', 'null'] }, 'null'));
  const withRef = { type: 'object', properties: { p: { $ref: '#/$defs/pt' } }, required: ['p'], $defs: { pt: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } } };
  assert.ok(accepts(withRef, '{"p":[1,2]}'));
  assert.ok(!accepts(withRef, '{"p":[1]}'));
  assert.ok(accepts(true, '[{"deep":{"x":[null]}}]'));
  assert.ok(accepts({ type: 'object' }, '{"any":"thing","n":1}'));
});

test('JSON mode (a free object) accepts any object and nothing else', () => {
  const m = new Matcher(new NodeBuilder().freeObj());
  const ok = (t: string) => m.walk(m.initial, enc.encode(t))?.accepting ?? false;
  assert.ok(ok('{"a":[1,{"b":null}],"c":"d"}'));
  assert.ok(ok('{}'));
  assert.ok(!ok('[1]'));
  assert.ok(!ok('"str"'));
});

test('unsupported keywords and bad schemas give typed errors that name the place', () => {
  assert.throws(() => compileSchema({ type: 'string', pattern: '^a' }), (e: unknown) => e instanceof UnsupportedError && e.message === "[json_schema] #: keyword 'pattern' is not supported by constrained decoding");
  assert.throws(() => compileSchema({ type: 'object', properties: { a: { type: 'number', minimum: 0 } } }), /#\.properties\.a: keyword 'minimum'/);
  assert.throws(() => compileSchema({ type: 'strin' }), (e: unknown) => e instanceof InvalidArgumentError && /unknown type "strin"/.test(e.message));
  assert.throws(() => compileSchema({ $ref: '#/$defs/a', $defs: { a: { type: 'array', items: { $ref: '#/$defs/a' } } } }), /recursive schemas are not supported/);
  assert.throws(() => compileSchema({ type: 'object', required: ['x'], additionalProperties: false }), /'x' is required but not allowed/);
  assert.throws(() => compileSchema(false), /accepts no value/);
});

test('the shortest completion of every prefix of valid documents completes it to a valid document', () => {
  const schemas: [unknown, string][] = [
    [person, '{ "name": "A\\u00e9😀", "age": -12, "tags": ["x"] }'],
    [{ type: 'array', items: { type: 'number' }, minItems: 3 }, '[1.5e-3, 2, 3, 4]'],
    [{ type: 'string', minLength: 4 }, '"ab\\ncd"'],
    [{ anyOf: [{ type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] }, { type: 'null' }] }, '{"a":true}'],
    [true, '{"k":[1,{"z":"q"}],"n":null}'],
  ];
  for (const [schema, doc] of schemas) {
    const m = new Matcher(compileSchema(schema));
    const b = enc.encode(doc);
    for (let i = 0; i <= b.length; i++) {
      const s = m.walk(m.initial, b.subarray(0, i));
      assert.ok(s, `prefix ${i} of ${doc}`);
      const comp = stateCompletion(s!);
      const end = m.walk(s!, comp);
      assert.ok(end?.accepting, `prefix ${JSON.stringify(dec.decode(b.subarray(0, i)))} + ${JSON.stringify(dec.decode(comp))}`);
      const full = new Uint8Array(i + comp.length);
      full.set(b.subarray(0, i));
      full.set(comp, i);
      JSON.parse(dec.decode(full));
    }
  }
});

test('states are shared: the same stack reached twice is the same object, and transitions are memoised', () => {
  const m = new Matcher(compileSchema({ type: 'array', items: { type: 'string' } }));
  const a = m.walk(m.initial, enc.encode('["x","y'));
  const b = m.walk(m.initial, enc.encode('["abc","'));
  assert.equal(a, b);
  const before = m.size.states;
  m.walk(m.initial, enc.encode('["x","y'));
  assert.equal(m.size.states, before);
});
