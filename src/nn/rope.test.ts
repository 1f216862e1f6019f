import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from '../tensor/index.js';
import { ropeFrequencies, RotaryEmbedding } from './rope.js';

const base = { dim: 128, theta: 500000, maxPositions: 131072 };

test('default frequencies are theta^(-2i/D) rounded to float32', () => {
  const { invFreq, attentionFactor } = ropeFrequencies({ ...base, scaling: null });
  assert.equal(invFreq.length, 64);
  assert.equal(invFreq[0], 1);
  assert.ok(Math.abs(invFreq[10]! - 500000 ** (-20 / 128)) < 1e-7 * invFreq[10]!);
  assert.equal(attentionFactor, 1);
});

test('llama3 (Llama 3.1 8B): high frequencies kept, low ones divided by factor, a smooth band between', () => {
  const plain = ropeFrequencies({ ...base, scaling: null }).invFreq;
  const s = ropeFrequencies({ ...base, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 } }).invFreq;
  let kept = 0;
  let divided = 0;
  let blended = 0;
  for (let i = 0; i < 64; i++) {
    const wavelen = (2 * Math.PI) / plain[i]!;
    if (wavelen < 8192 / 4) {
      assert.equal(s[i], plain[i]);
      kept++;
    } else if (wavelen > 8192) {
      assert.ok(Math.abs(s[i]! - plain[i]! / 8) < 1e-7 * s[i]!);
      divided++;
    } else {
      assert.ok(s[i]! < plain[i]! && s[i]! > plain[i]! / 8);
      blended++;
    }
  }
  assert.ok(kept > 0 && divided > 0 && blended > 0, `${kept}/${blended}/${divided}`);
});

test('linear divides, dynamic NTK changes only past the trained length, yarn scales cos/sin', () => {
  const cfg = { dim: 8, theta: 10000, maxPositions: 16 };
  const plain = ropeFrequencies({ ...cfg, scaling: null }).invFreq;
  const lin = ropeFrequencies({ ...cfg, scaling: { type: 'linear', factor: 4 } }).invFreq;
  lin.forEach((f, i) => assert.ok(Math.abs(f - plain[i]! / 4) < 1e-7 * f));
  const dyn = { ...cfg, scaling: { type: 'dynamic' as const, factor: 2 } };
  assert.deepEqual(ropeFrequencies(dyn, 10).invFreq, plain);
  const longer = ropeFrequencies(dyn, 40).invFreq;
  assert.equal(longer[0], 1);
  assert.ok(longer[3]! < plain[3]!);
  const yarn = ropeFrequencies({ ...cfg, scaling: { type: 'yarn', factor: 4 } });
  assert.ok(Math.abs(yarn.attentionFactor - (0.1 * Math.log(4) + 1)) < 1e-12);
  const rt = createRuntime({ backend: 'js' });
  const { cos, sin } = new RotaryEmbedding({ ...cfg, scaling: { type: 'yarn', factor: 4 } }).tables(rt, Int32Array.from([0, 3]));
  assert.deepEqual(cos.shape, [1, 2, 4]);
  assert.ok(Math.abs(cos.toArray()[0]! - yarn.attentionFactor) < 1e-6, 'position 0: cos = attention factor');
  assert.equal(sin.toArray()[0], 0);
});
