/**
 * Loading a GGUF model holds at most 1.2x its file size in resident memory:
 * measured in a child process (peak RSS above an idle process that imported
 * the same modules), for an f32 file and a Q8_0 file whose matrices stay
 * quantized in memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGguf, type GgufTensorInput } from '../../io/gguf-writer.js';
import { storageLength, type DType } from '../../tensor/dtype.js';
import { llamaConfig } from '../llama/config.js';
import { configToGguf } from './config.js';

/** A Llama GGUF file of ~50 MiB with zero weights (their values do not matter for memory). */
async function writeModel(path: string, dtype: DType, hidden: number): Promise<void> {
  const config = llamaConfig({ vocabSize: 4096, contextLength: 256, hiddenSize: hidden, numLayers: 4, numHeads: 8, intermediateSize: 2 * hidden, tieWordEmbeddings: true });
  const C = config.hiddenSize;
  const F = config.intermediateSize;
  const shapes: [string, number[]][] = [['token_embd.weight', [config.vocabSize, C]]];
  for (let l = 0; l < config.numLayers; l++) {
    shapes.push([`blk.${l}.attn_norm.weight`, [C]], [`blk.${l}.attn_q.weight`, [C, C]], [`blk.${l}.attn_k.weight`, [C, C]], [`blk.${l}.attn_v.weight`, [C, C]]);
    shapes.push([`blk.${l}.attn_output.weight`, [C, C]], [`blk.${l}.ffn_norm.weight`, [C]], [`blk.${l}.ffn_gate.weight`, [F, C]], [`blk.${l}.ffn_up.weight`, [F, C]], [`blk.${l}.ffn_down.weight`, [C, F]]);
  }
  shapes.push(['output_norm.weight', [C]]);
  const tensors: GgufTensorInput[] = shapes.map(([name, shape]) => {
    const dt: DType = shape.length === 1 ? 'f32' : dtype;
    const numel = shape.reduce((a, b) => a * b, 1);
    return { name, dtype: dt, shape, data: () => (dt === 'f32' ? new Float32Array(numel).fill(1) : new Uint8Array(storageLength(dt, numel))) };
  });
  await writeGguf(path, { metadata: { ...configToGguf(config).metadata, 'general.architecture': 'llama' }, tensors });
}

test('loading a GGUF model holds at most 1.2x its file size in resident memory (f32, and Q8_0 kept quantized)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lmkit-gguf-mem-'));
  try {
    const files = { f32: join(dir, 'f32.gguf'), q8_0: join(dir, 'q8_0.gguf') };
    await writeModel(files.f32, 'f32', 512);
    await writeModel(files.q8_0, 'q8_0', 1024);
    const mod = (f: string) => JSON.stringify(new URL(f, import.meta.url).href);
    const run = (code: string) =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `${code}; console.log(JSON.stringify(process.resourceUsage().maxRSS))`], { encoding: 'utf8' })) as number;
    const prelude = `import { loadModel } from ${mod('../load.js')}; import { createRuntime } from ${mod('../../tensor/index.js')}; const rt = createRuntime({ backend: 'js' });`;
    const idle = run(prelude);
    for (const [name, path] of Object.entries(files)) {
      const size = statSync(path).size;
      const peak = run(`${prelude} const r = await loadModel(${JSON.stringify(path)}, { rt }); globalThis.m = r.model; if (r.model.namedParameters()[0][1].dtype !== '${name}') throw new Error('not kept as ${name}')`);
      const ratio = ((peak - idle) * 1024) / size;
      t.diagnostic(`${name}: ${(size / 2 ** 20).toFixed(1)} MiB, peak RSS above idle ${ratio.toFixed(3)}x`);
      assert.ok(ratio > 0.9, `${name}: the child must actually hold the weights (ratio ${ratio})`);
      assert.ok(ratio < 1.2, `${name}: peak RSS above idle is ${ratio.toFixed(3)}x the file size (${(size / 2 ** 20).toFixed(1)} MiB)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
