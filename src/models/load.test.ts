/**
 * Loading and saving Hugging Face folders: round trips give the same logits,
 * layouts on disk are HF's (GPT-2 Conv1D), saves are atomic, bad input gets a
 * typed error naming the file and the field or tensor, and a load holds at
 * most 1.2x the file size in resident memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, FileFormatError, NotFoundError, InvalidArgumentError } from '../errors.js';
import { safetensorsFolderStore } from '../io/tensor-store.js';
import { writeSafetensors } from '../io/safetensors-writer.js';
import { createRuntime } from '../tensor/index.js';
import type { Runtime } from '../tensor/runtime.js';
import { MissingWeightError, WeightShapeError } from './errors.js';
import { loadModel } from './load.js';
import { createModel, registry, type LanguageModel } from './registry.js';
import { saveModel } from './save.js';
import { FIXTURES } from './test-fixtures.js';
import { Tokenizer, trainBpe } from '../tokenizers/index.js';

const rt = createRuntime({ backend: 'js', seed: 9 });

/** A temp folder; `fast` puts it in memory (/dev/shm) where there is one, to spare the disk big files. */
function tempDir(fast = false): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(fast && existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lmkit-models-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of a fixture folder to damage. */
function copyFixture(name: string, into: string): string {
  const d = join(into, name);
  cpSync(join(FIXTURES, name), d, { recursive: true });
  rmSync(join(d, 'expected.safetensors'));
  return d;
}

function logits(m: LanguageModel, r: Runtime = rt): Float32Array {
  const ids = r.tensor(Int32Array.from([1, 5, 9, 2, 7, 3]), [1, 6], { dtype: 'i32' });
  return m.forward(ids).logits.toArray() as Float32Array;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const editJson = (path: string, f: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(path, 'utf8'));
  f(j);
  writeFileSync(path, JSON.stringify(j));
};

test('GPT-2: HF folder -> saveModel -> loadModel gives identical logits, in HF layout and names', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await loadModel(join(FIXTURES, 'gpt2'), { rt });
    assert.equal(a.source.kind, 'hf-folder');
    assert.deepEqual(a.generationConfig.eosTokenIds, [0]);
    const out = join(dir, 'saved');
    await saveModel(a.model, out);
    assert.deepEqual(readdirSync(out).sort(), ['config.json', 'generation_config.json', 'model.safetensors']);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(cfg.architectures, ['GPT2LMHeadModel']);
    assert.equal(cfg.model_type, 'gpt2');
    assert.equal(cfg.torch_dtype, 'float32');
    assert.equal(cfg.n_embd, 32);
    const store = safetensorsFolderStore(out);
    // Conv1D layout: (in, out), and no lm_head for the tied head.
    assert.deepEqual(store.get('transformer.h.0.attn.c_attn.weight').shape, [32, 96]);
    assert.deepEqual(store.get('transformer.h.1.mlp.c_proj.weight').shape, [128, 32]);
    assert.equal(store.has('lm_head.weight'), false);
    const b = await loadModel(out, { rt });
    assert.deepEqual(b.config, a.config);
    assert.equal(maxDiff(logits(a.model), logits(b.model)), 0);
  } finally {
    cleanup();
  }
});

test('bf16 checkpoint kept in bf16 saves back as bf16 with identical logits; f16 saves stay close', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = await loadModel(join(FIXTURES, 'llama-bf16'), { rt, dtype: 'keep' });
    const emb = a.model.namedParameters().find(([n]) => n === 'model.embed_tokens.weight')![1];
    assert.equal(emb.dtype, 'bf16');
    const norm = a.model.namedParameters().find(([n]) => n === 'model.norm.weight')![1];
    assert.equal(norm.dtype, 'f32', 'vectors are always f32');
    await saveModel(a.model, join(dir, 'bf16'));
    assert.equal(JSON.parse(readFileSync(join(dir, 'bf16', 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
    const b = await loadModel(join(dir, 'bf16'), { rt });
    assert.equal(maxDiff(logits(a.model), logits(b.model)), 0, 'f32 compute on bf16 values is the same either way');

    const f32 = await loadModel(join(FIXTURES, 'llama'), { rt });
    await saveModel(f32.model, join(dir, 'f16'), { dtype: 'f16' });
    const half = await loadModel(join(dir, 'f16'), { rt, dtype: 'keep' });
    const st = (d: string) => statSync(join(d, 'model.safetensors')).size;
    assert.ok(st(join(dir, 'f16')) < 0.55 * st(join(FIXTURES, 'llama')));
    const d = maxDiff(logits(f32.model), logits(half.model));
    assert.ok(d > 0 && d < 0.02, `f16 logits differ by ${d}`);
  } finally {
    cleanup();
  }
});

test('a model created from a config round-trips through an HF folder, sharded or not', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const cfg = registry.llama.config({ modelType: 'qwen2', vocabSize: 48, contextLength: 128, hiddenSize: 16, numLayers: 2, numHeads: 4, numKvHeads: 2, intermediateSize: 24, tieWordEmbeddings: true, eosTokenId: [3, 4] });
    const m = createModel(rt, cfg).eval();
    await saveModel(m, join(dir, 'one'));
    await saveModel(m, join(dir, 'sharded'), { maxShardBytes: 8000 });
    assert.ok(existsSync(join(dir, 'sharded', 'model.safetensors.index.json')));
    assert.ok(readdirSync(join(dir, 'sharded')).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length > 1);
    for (const d of ['one', 'sharded']) {
      const b = await loadModel(join(dir, d), { rt });
      assert.deepEqual(b.config, cfg);
      assert.deepEqual(b.generationConfig.eosTokenIds, [3, 4]);
      assert.equal(maxDiff(logits(m), logits(b.model)), 0, d);
      assert.deepEqual(b.warnings, []);
    }
  } finally {
    cleanup();
  }
});

test('tokenizer files travel with the model: read by the given reader, written by tokenizer.save', async () => {
  const { dir, cleanup } = tempDir();
  try {
    /** Stands in for lmkit's Tokenizer: a static load(dir) and a save(dir). */
    class FakeTokenizer {
      constructor(readonly vocab: string[]) {}
      static async load(d: string): Promise<FakeTokenizer> {
        return new FakeTokenizer(JSON.parse(readFileSync(join(d, 'tokenizer.json'), 'utf8')).vocab);
      }
      save(d: string): void {
        writeFileSync(join(d, 'tokenizer.json'), JSON.stringify({ vocab: this.vocab }));
        writeFileSync(join(d, 'tokenizer_config.json'), '{}');
      }
    }
    const m = createModel(rt, registry.gpt2.config({ vocabSize: 3, contextLength: 8, hiddenSize: 8, numLayers: 1, numHeads: 2 }));
    const out = join(dir, 'with-tok');
    await saveModel(m, out, { tokenizer: new FakeTokenizer(['a', 'b', 'c']) });
    assert.ok(existsSync(join(out, 'tokenizer_config.json')));
    const loaded = await loadModel(out, { rt, tokenizer: FakeTokenizer });
    assert.deepEqual(loaded.tokenizer?.vocab, ['a', 'b', 'c']);
    assert.equal((await loadModel(out, { rt, tokenizer: false })).tokenizer, undefined, 'tokenizer turned off');
    assert.equal((await loadModel(join(FIXTURES, 'gpt2'), { rt, tokenizer: FakeTokenizer })).tokenizer, undefined, 'no tokenizer files, no tokenizer');
  } finally {
    cleanup();
  }
});

test("with lmkit's Tokenizer: a trained tokenizer saved with the model loads back and encodes the same", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const tok = await trainBpe({ texts: ['the cat sat on the mat', 'the dog sat on the log'], vocabSize: 270, specialTokens: ['<|endoftext|>'] });
    const m = createModel(rt, registry.llama.config({ vocabSize: tok.vocabSize, contextLength: 32, hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 16 })).eval();
    const out = join(dir, 'm');
    await saveModel(m, out, { tokenizer: tok });
    const loaded = await loadModel(out, { rt });
    assert.ok(loaded.tokenizer instanceof Tokenizer, "lmkit's Tokenizer is the default reader");
    const text = 'the cat sat on the log';
    assert.deepEqual(loaded.tokenizer!.encode(text), tok.encode(text));
    const ids = loaded.tokenizer!.encode(text);
    const t = rt.tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' });
    assert.equal(maxDiff(m.forward(t).logits.toArray(), loaded.model.forward(t).logits.toArray()), 0);
  } finally {
    cleanup();
  }
});

test('saveModel replaces a model folder atomically and refuses to replace anything else', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const g = createModel(rt, registry.gpt2.config({ vocabSize: 20, contextLength: 8, hiddenSize: 8, numLayers: 1, numHeads: 2 }));
    const out = join(dir, 'm');
    await saveModel(g, out);
    writeFileSync(join(out, 'stale.txt'), 'from an older save');
    await saveModel(g, out);
    assert.equal(existsSync(join(out, 'stale.txt')), false);
    assert.deepEqual(readdirSync(dir), ['m'], 'no temp folders left behind');
    const other = join(dir, 'notes');
    cpSync(join(out, 'generation_config.json'), join(other, 'x.json'));
    await assert.rejects(saveModel(g, other), InvalidArgumentError);
  } finally {
    cleanup();
  }
});

test('config errors name the file and the field', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const d = copyFixture('gpt2', dir);
    const cfgPath = join(d, 'config.json');
    editJson(cfgPath, (j) => delete j.n_embd);
    await assert.rejects(loadModel(d, { rt }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.source, cfgPath);
      assert.deepEqual(e.issues[0]!.path, ['n_embd']);
      assert.match(e.message, /n_embd: is required/);
      return true;
    });
    editJson(cfgPath, (j) => (j.model_type = 'bert'));
    await assert.rejects(loadModel(d, { rt }), /'bert' is not supported; supported model types: gpt2, llama, mistral, qwen2/);

    const l = copyFixture('llama', dir);
    editJson(join(l, 'config.json'), (j) => (j.rope_scaling = { rope_type: 'longrope', factor: 2 }));
    await assert.rejects(loadModel(l, { rt }), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path.join('.') === 'rope_scaling.rope_type' && /not supported/.test(e.message));
    editJson(join(l, 'config.json'), (j) => (j.rope_scaling = { rope_type: 'llama3', factor: 8 }));
    await assert.rejects(loadModel(l, { rt }), /rope_scaling\.low_freq_factor: is required for rope type 'llama3'/);
    editJson(join(l, 'config.json'), (j) => {
      j.rope_scaling = null;
      j.num_key_value_heads = 3;
    });
    await assert.rejects(loadModel(l, { rt }), /num_key_value_heads: the number of heads \(4\) must be a multiple/);
    writeFileSync(join(l, 'config.json'), '{"model_type": "llama",');
    await assert.rejects(loadModel(l, { rt }), (e: unknown) => e instanceof FileFormatError && e.file.endsWith('config.json'));
    rmSync(join(l, 'config.json'));
    await assert.rejects(loadModel(l, { rt }), (e: unknown) => e instanceof NotFoundError && /config\.json/.test(e.message));
    await assert.rejects(loadModel(join(dir, 'nothing-here'), { rt }), /no model here; expected one of: default, hf, hf-folder, gguf/);
  } finally {
    cleanup();
  }
});

test('weight errors: wrong shape, missing tensor, truncated or foreign file; unused tensors and keys are warnings', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const d = copyFixture('llama', dir);
    const st = join(d, 'model.safetensors');
    editJson(join(d, 'config.json'), (j) => (j.intermediate_size = 60));
    await assert.rejects(loadModel(d, { rt }), (e: unknown) => {
      assert.ok(e instanceof WeightShapeError);
      assert.equal(e.file, st);
      assert.equal(e.tensor, 'model.layers.0.mlp.gate_proj.weight');
      assert.deepEqual([e.expected, e.got], [[60, 32], [64, 32]]);
      assert.match(e.message, /expected shape \[60, 32\] from the config, got \[64, 32\]/);
      return true;
    });
    editJson(join(d, 'config.json'), (j) => {
      j.intermediate_size = 64;
      j.some_new_switch = true;
    });

    const store = safetensorsFolderStore(d);
    const all = store.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: store.read(t.name) }));
    await writeSafetensors(st, [...all, { name: 'value_head.weight', dtype: 'f32', shape: [2], data: new Float32Array(2) }]);
    const ok = await loadModel(d, { rt });
    assert.deepEqual(ok.warnings, [`${join(d, 'config.json')}: key 'some_new_switch' is not used by lmkit and was ignored`, `${st}: tensor 'value_head.weight' is not used by the model and was skipped`]);

    await writeSafetensors(st, all.filter((t) => t.name !== 'model.layers.1.self_attn.k_proj.weight'));
    await assert.rejects(loadModel(d, { rt }), (e: unknown) => e instanceof MissingWeightError && e.file === st && e.parameter === 'model.layers.1.self_attn.k_proj.weight' && /missing tensor 'model\.layers\.1\.self_attn\.k_proj\.weight'/.test(e.message));

    await writeSafetensors(st, all);
    truncateSync(st, statSync(st).size - 100);
    await assert.rejects(loadModel(d, { rt }), (e: unknown) => e instanceof FileFormatError && e.file === st);
    writeFileSync(st, 'GGUF this is not a safetensors file at all, just text');
    await assert.rejects(loadModel(d, { rt }), (e: unknown) => e instanceof FileFormatError && e.file === st && e.field === 'header size');
  } finally {
    cleanup();
  }
});

test('loading a model holds at most 1.2x its file size in resident memory (f32 file, and bf16 kept)', async () => {
  const { execFileSync } = await import('node:child_process');
  const { dir, cleanup } = tempDir(true);
  try {
    // 48 MiB files: 12M parameters in f32, and 24M parameters held and saved in bf16.
    const small = createModel(rt, registry.llama.config({ vocabSize: 4096, contextLength: 256, hiddenSize: 512, numLayers: 4, numHeads: 8, intermediateSize: 1536, tieWordEmbeddings: true }), { init: 'empty' });
    await saveModel(small, join(dir, 'f32'));
    const large = createModel(rt, registry.llama.config({ vocabSize: 4096, contextLength: 256, hiddenSize: 1024, numLayers: 4, numHeads: 8, intermediateSize: 1536, tieWordEmbeddings: true }), { init: 'empty' });
    for (const [name, p] of large.namedParameters()) if (p.ndim === 2) large.setParameter(name, rt.fromArray(new Uint16Array(p.numel), p.shape, 'bf16'));
    await saveModel(large, join(dir, 'bf16'));
    small.dispose();
    large.dispose();
    const mod = (f: string) => JSON.stringify(new URL(f, import.meta.url).href);
    const run = (code: string) =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `${code}; console.log(JSON.stringify(process.resourceUsage().maxRSS))`], { encoding: 'utf8' })) as number;
    const prelude = `import { loadModel } from ${mod('./load.js')}; import { createRuntime } from ${mod('../tensor/index.js')}; const rt = createRuntime({ backend: 'js' });`;
    const idle = run(prelude);
    for (const [name, dtype] of [
      ['f32', 'f32'],
      ['bf16', 'keep'],
    ] as const) {
      const folder = join(dir, name);
      const size = statSync(join(folder, 'model.safetensors')).size;
      const peak = run(`${prelude} globalThis.m = (await loadModel(${JSON.stringify(folder)}, { rt, dtype: '${dtype}' })).model`);
      const ratio = ((peak - idle) * 1024) / size;
      assert.ok(ratio > 0.9, `${name}: the child must actually hold the weights (ratio ${ratio})`);
      assert.ok(ratio < 1.2, `${name}: peak RSS above idle is ${ratio.toFixed(3)}x the file size`);
    }
  } finally {
    cleanup();
  }
});
