/**
 * `lmkit convert` and `lmkit quantize`: formats by output path, dtypes, the
 * tokenizer carried along, JSON output, and one-line errors with non-zero exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGguf } from '../../io/gguf.js';
import { createModel, registry } from '../../models/registry.js';
import { loadModel } from '../../models/load.js';
import { saveModel } from '../../models/save.js';
import { FIXTURES } from '../../models/test-fixtures.js';
import { createRuntime } from '../../tensor/index.js';
import { runCli } from '../../test-util/cli.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';
import { trainBpe } from '../../tokenizers/train-bpe.js';

const rt = createRuntime({ backend: 'js', seed: 2 });
const dir = mkdtempSync(join(tmpdir(), 'lmkit-convert-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const env = { LMKIT_BACKEND: 'js', LMKIT_HOME: join(dir, 'home') };
const cli = (...argv: string[]) => runCli(argv, '', env);

/** A small random Llama with a trained byte-level BPE tokenizer, as an HF folder. */
async function modelWithTokenizer(): Promise<string> {
  const out = join(dir, 'hf-tok');
  if (existsSync(out)) return out;
  const tok = await trainBpe({ texts: ['hello world, hello there. the world is wide and the sea is deep.\n'.repeat(30)], vocabSize: 300, specialTokens: ['<|endoftext|>'], pattern: 'gpt2' });
  const m = createModel(rt, registry.llama.config({ vocabSize: 320, contextLength: 64, hiddenSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 96, bosTokenId: 0, eosTokenId: 0 }));
  await saveModel(m, out, { tokenizer: tok });
  m.dispose();
  return out;
}

function logits(model: Awaited<ReturnType<typeof loadModel>>['model'], ids: number[]): Float32Array {
  return model.forward(rt.tensor([ids], undefined, { dtype: 'i32' })).logits.toArray() as Float32Array;
}

test('convert HF folder -> GGUF (q8_0) with the tokenizer embedded, then GGUF -> HF folder', async () => {
  const hf = await modelWithTokenizer();
  const gguf = join(dir, 'm-q8.gguf');
  const r = await cli('convert', hf, gguf, '--dtype', 'q8_0');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /-> .*m-q8\.gguf \(GGUF q8_0, \d+ bytes; llama, 2 layers, hidden 64, vocab 320; with tokenizer\)/);
  const g = readGguf(gguf);
  assert.equal(g.metadata['general.file_type'], 7);
  assert.equal(g.metadata['tokenizer.ggml.model'], 'gpt2');
  assert.equal((g.metadata['tokenizer.ggml.tokens'] as string[]).length, 320);
  assert.equal(g.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.dtype, 'q8_0');
  assert.equal(g.tensors.find((t) => t.name === 'blk.0.attn_norm.weight')!.dtype, 'f32');

  const orig = await loadModel(hf, { rt });
  const fromGguf = await loadModel(gguf, { rt, tokenizer: Tokenizer });
  assert.ok(fromGguf.tokenizer, 'the GGUF carries its tokenizer');
  const ids = fromGguf.tokenizer!.encode('hello wide world');
  const a = logits(orig.model, ids);
  const b = logits(fromGguf.model, ids);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  assert.ok(d > 0 && d < 0.05, `q8_0 logits are close to f32 but not identical (max diff ${d})`);

  const back = join(dir, 'back');
  const r2 = await cli('convert', gguf, back, '--json');
  assert.equal(r2.code, 0, r2.stderr);
  const j = JSON.parse(r2.stdout);
  assert.deepEqual([j.inputKind, j.format, j.architecture, j.modelType, j.tokenizer], ['gguf', 'hf', 'llama', 'llama', true]);
  assert.ok(existsSync(join(back, 'tokenizer.json')) && existsSync(join(back, 'config.json')) && existsSync(join(back, 'model.safetensors')));
  const reloaded = await loadModel(back, { rt });
  const c = logits(reloaded.model, ids);
  let d2 = 0;
  for (let i = 0; i < c.length; i++) d2 = Math.max(d2, Math.abs(c[i]! - b[i]!));
  assert.ok(d2 < 1e-5, `GGUF -> HF (dequantized to f32) keeps the GGUF's logits (max diff ${d2})`);
  for (const m of [orig, fromGguf, reloaded]) m.model.dispose();
});

test('GGUF -> GGUF keeps the tokenizer metadata exactly', async () => {
  const hf = await modelWithTokenizer();
  const f32 = join(dir, 'm-f32.gguf');
  assert.equal((await cli('convert', hf, f32)).code, 0);
  const q4 = join(dir, 'm-q4.gguf');
  const r = await cli('convert', f32, q4, '--dtype', 'q4_0');
  assert.equal(r.code, 0, r.stderr);
  const a = readGguf(f32);
  const b = readGguf(q4);
  for (const k of Object.keys(a.metadata).filter((k) => k.startsWith('tokenizer.'))) {
    assert.deepEqual([b.metadata[k], b.metadataTypes[k]], [a.metadata[k], a.metadataTypes[k]], k);
  }
  assert.equal(b.metadata['general.file_type'], 2);
});

test('quantize a GGUF file: --type, --json, already-quantized tensors copied', async () => {
  const hf = await modelWithTokenizer();
  const f32 = join(dir, 'qz-f32.gguf');
  assert.equal((await cli('convert', hf, f32)).code, 0);
  const out = join(dir, 'qz-q6k.gguf');
  const r = await cli('quantize', f32, out, '--type', 'q8_0', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.type, 'q8_0');
  assert.ok(j.bytesOut < j.bytesIn / 3);
  assert.ok(j.tensors.some((t: { name: string; to: string }) => t.name === 'blk.1.ffn_down.weight' && t.to === 'q8_0'));
  assert.ok(j.tensors.some((t: { name: string; to: string }) => t.name === 'output_norm.weight' && t.to === 'f32'));
  const text = await cli('quantize', out, join(dir, 'qz-again.gguf'), '--type', 'q4_0');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /0 of \d+ tensors to q4_0/);
  const { model } = await loadModel(out, { rt });
  assert.equal(model.namedParameters().find(([n]) => n.endsWith('up_proj.weight'))![1].dtype, 'q8_0');
  model.dispose();
});

test('errors: usage (exit 2), bad inputs and impossible outputs (exit 1), one line each', async () => {
  const hf = join(FIXTURES, 'llama');
  const cases: [string[], number, RegExp][] = [
    [['convert', hf], 2, /^lmkit: \[convert\] expected IN and OUT, got 1 argument/],
    [['convert', hf, join(dir, 'x.gguf'), '--dtype', 'q3_k'], 2, /^lmkit: \[convert\] --dtype must be one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, got 'q3_k'/],
    [['convert', hf, join(dir, 'hf-q8'), '--dtype', 'q8_0'], 1, /a Hugging Face folder holds f32, f16, bf16 weights; 'q8_0' needs a \.gguf output/],
    [['convert', join(dir, 'nope.gguf'), join(dir, 'y.gguf')], 1, /^lmkit: \[.*nope\.gguf\] no model here/],
    [['quantize', join(FIXTURES, 'gguf', 'llama.gguf'), join(dir, 'z.gguf')], 2, /--type is required/],
    [['quantize', join(FIXTURES, 'gguf', 'llama.gguf'), join(dir, 'z.gguf'), '--type', 'q5_k'], 2, /--type must be one of/],
  ];
  const badConfig = join(dir, 'bad-config');
  rmSync(badConfig, { recursive: true, force: true });
  await saveModel(createModel(rt, registry.llama.config({ vocabSize: 64, contextLength: 16, hiddenSize: 32, numLayers: 1, numHeads: 4, intermediateSize: 32 })), badConfig);
  const cfgPath = join(badConfig, 'config.json');
  writeFileSync(cfgPath, readFileSync(cfgPath, 'utf8').replace('"num_key_value_heads": 4', '"num_key_value_heads": 3').replace('"num_hidden_layers": 1,', ''));
  cases.push([['convert', badConfig, join(dir, 'v.gguf')], 1, /^lmkit: \[.*config\.json\] invalid config: num_hidden_layers: is required/]);
  const bad = join(dir, 'bad.gguf');
  writeFileSync(bad, 'GGUF\x03\x00\x00\x00 truncated');
  cases.push([['convert', bad, join(dir, 'w.gguf')], 1, /^lmkit: \[.*bad\.gguf\] /]);
  cases.push([['quantize', bad, join(dir, 'w.gguf'), '--type', 'q8_0'], 1, /^lmkit: \[.*bad\.gguf\] /]);
  for (const [argv, code, pattern] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, code, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, argv.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(!existsSync(join(dir, 'hf-q8')) && !existsSync(join(dir, 'w.gguf')), 'nothing half-written');
});

test('convert hf:ORG/NAME fetches the model into LMKIT_CACHE (a local hub here), then works offline', async () => {
  // A minimal hub: the revision API and resolve URLs, every file served directly with its git blob sha1 as ETag.
  const files = new Map(['config.json', 'model.safetensors'].map((f) => [f, readFileSync(join(FIXTURES, 'llama', f))]));
  const commit = 'c'.repeat(40);
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/models/org/tiny/revision/main') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: 'org/tiny', sha: commit, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) }));
    }
    const m = /^\/org\/tiny\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
    const data = m && files.get(decodeURIComponent(m[1]!));
    if (!data) return res.writeHead(404).end();
    const etag = createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
    res.writeHead(200, { etag: `"${etag}"`, 'content-length': data.length, 'x-repo-commit': commit });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const hubEnv = { ...env, LMKIT_CACHE: join(dir, 'hub-cache'), HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  try {
    const out = join(dir, 'from-hub.gguf');
    const r = await runCli(['convert', 'hf:org/tiny', out, '--json'], '', hubEnv);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.inputKind, 'hf-folder');
    assert.ok(j.input.includes(join('hub-cache', 'models--org--tiny', 'snapshots', commit)), j.input);
    assert.equal(readGguf(out).metadata['llama.block_count'], 2);
  } finally {
    await new Promise((ok) => server.close(ok));
  }
  const offline = await runCli(['convert', 'hf:org/tiny', join(dir, 'offline.gguf'), '--offline'], '', hubEnv);
  assert.equal(offline.code, 0, offline.stderr);
});
