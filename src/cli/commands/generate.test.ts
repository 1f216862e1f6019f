import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { generate } from '../../generate/generate.js';
import { loadGenerator } from '../../generate/load.js';
import { llamaConfig } from '../../models/llama/config.js';
import { createModel } from '../../models/registry.js';
import { saveModel } from '../../models/save.js';
import { createRuntime } from '../../tensor/index.js';
import { runCli } from '../../test-util/cli.js';
import { trainBpe } from '../../tokenizers/index.js';

let dir = '';
const env = { LMKIT_BACKEND: 'js' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lmkit-generate-'));
  const text = 'the cat sat on the mat. the dog ran to the cat. {"name": "cat", "age": 3}\n'.repeat(20);
  const tok = await trainBpe({ texts: [text], vocabSize: 300, specialTokens: ['<s>', '</s>'] });
  const rt = createRuntime({ backend: 'js', seed: 3 });
  const model = createModel(rt, llamaConfig({ modelType: 'llama', vocabSize: tok.vocabSize, contextLength: 128, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64 }));
  const folder = join(dir, 'tiny');
  await saveModel(model, folder);
  tok.save(folder);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('lmkit generate --json prints the text and tokens the library gives', async () => {
  const folder = join(dir, 'tiny');
  const r = await runCli(['generate', '--model', folder, '--prompt', 'the cat', '--max-tokens', '8', '--temperature', '0', '--json'], '', env);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { text: string; tokens: number[]; finish_reason: string; usage: { prompt_tokens: number; completion_tokens: number } };
  const { model, tokenizer } = await loadGenerator(folder, { rt: createRuntime({ backend: 'js' }) });
  const want = await generate(model, tokenizer, 'the cat', { maxTokens: 8, temperature: 0 });
  assert.equal(out.text, want.text);
  assert.deepEqual(out.tokens, want.tokens);
  assert.equal(out.finish_reason, want.finishReason);
  assert.equal(out.usage.completion_tokens, want.tokens.length);
});

test('--stream prints the same text as it comes; the same --seed gives the same output', async () => {
  const folder = join(dir, 'tiny');
  const args = ['generate', '--model', folder, '--prompt', 'the dog', '--max-tokens', '10', '--seed', '5', '--temperature', '0.9', '--top-p', '0.9'];
  const a = await runCli([...args, '--json'], '', env);
  const b = await runCli([...args, '--json'], '', env);
  assert.equal(a.stdout, b.stdout);
  const s = await runCli([...args, '--stream'], '', env);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, (JSON.parse(a.stdout) as { text: string }).text + '\n');
  const lines = (await runCli([...args, '--stream', '--json'], '', env)).stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string });
  assert.equal(lines.slice(0, -1).map((l) => l.text).join(''), lines.at(-1)!.text);
});

test('--json-schema constrains the output; --beams runs beam search; the prompt can come from stdin', async () => {
  const folder = join(dir, 'tiny');
  const schema = { type: 'object', properties: { name: { type: 'string', maxLength: 5 }, age: { type: 'integer' } }, required: ['name', 'age'] };
  const file = join(dir, 'schema.json');
  writeFileSync(file, JSON.stringify(schema));
  const r = await runCli(['generate', '--model', folder, '--prompt', 'json:', '--max-tokens', '40', '--seed', '1', '--json-schema', file, '--json'], '', env);
  assert.equal(r.code, 0, r.stderr);
  const value = JSON.parse((JSON.parse(r.stdout) as { text: string }).text) as unknown;
  assert.ok(new Ajv().validate(schema, value));
  const beam = await runCli(['generate', '--model', folder, '--max-tokens', '6', '--beams', '3', '--json'], 'the cat', env);
  assert.equal(beam.code, 0, beam.stderr);
  assert.ok(Array.isArray((JSON.parse(beam.stdout) as { tokens: number[] }).tokens));
});

test('bad flags and missing models give one-line errors and a non-zero exit', async () => {
  const r = await runCli(['generate', '--model', join(dir, 'nope'), '--prompt', 'x'], '', env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^lmkit: .*\n$/);
  const t = await runCli(['generate', '--model', join(dir, 'tiny'), '--prompt', 'x', '--temperature', 'hot'], '', env);
  assert.equal(t.code, 2);
  assert.equal(t.stderr, "lmkit: [generate] --temperature must be a number, got 'hot'\n");
  const b = await runCli(['generate', '--prompt', 'x', '--beams', '2', '--stream'], '', env);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--beams cannot be combined/);
});
