import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, ops } from './index.js';
import { DTypeError, IndexRangeError, NonFiniteError, ShapeError, InvalidArgumentError, DisposedTensorError } from '../errors.js';

const rt = createRuntime({ backend: 'js' });

test('shape mismatches name the op and both shapes', () => {
  assert.throws(() => rt.ones([2, 3]).add(rt.ones([4])), (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    assert.equal(e.op, 'add');
    assert.equal(e.message, '[add] cannot broadcast dim 3 against 4 at axis -1 (shapes [2, 3], [4])');
    return true;
  });
  assert.throws(() => rt.ones([2, 3]).matmul(rt.ones([2, 3])), (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    assert.match(e.message, /^\[matmul\] inner dims 3 and 2 differ; did you mean b\.transpose\(-1, -2\)\? \(shapes \[2, 3\], \[2, 3\]\)$/);
    return true;
  });
  assert.throws(() => rt.ones([6]).reshape(4, -1), ShapeError);
  assert.throws(() => ops.linear(rt.ones([2, 3]), rt.ones([4, 5])), /\[linear\] weight must be \(out, 3\)/);
});

test('wrong dtypes are refused with the expected and the got dtype', () => {
  const ids = rt.tensor([0, 1]);
  assert.throws(() => ops.embedding(rt.ones([3, 2]), ids), (e: unknown) => e instanceof DTypeError && e.expected === 'i32 ids' && e.got === 'f32');
  assert.throws(() => rt.ones([2]).add(rt.ones([2], { dtype: 'f64' })), DTypeError);
  assert.throws(() => rt.tensor(new Int32Array([1]), [1], { dtype: 'i32' }).exp(), /\[exp\] expected dtype f32 or f64, got i32/);
});

test('indices out of range raise IndexRangeError, never garbage', () => {
  const table = rt.ones([4, 2]);
  assert.throws(() => ops.embedding(table, rt.tensor(new Int32Array([1, 4]), [2], { dtype: 'i32' })), (e: unknown) => {
    assert.ok(e instanceof IndexRangeError);
    assert.equal(e.message, '[gather] id 4 is out of range for size 4');
    return true;
  });
  assert.throws(() => ops.crossEntropy(rt.ones([1, 3]), rt.tensor(new Int32Array([7]), [1], { dtype: 'i32' })), /\[crossEntropy\] target 7 is out of range for size 3/);
  assert.throws(() => rt.ones([3]).slice(0, 1, 5), IndexRangeError);
});

test('a NaN loss is caught when asked to check', () => {
  const logits = rt.tensor([[NaN, 0, 0]]);
  const t = rt.tensor(new Int32Array([0]), [1], { dtype: 'i32' });
  assert.throws(() => ops.crossEntropy(logits, t, { checkFinite: true }), NonFiniteError);
  assert.ok(Number.isNaN(ops.crossEntropy(logits, t).item()));
});

test('invalid arguments and disposed tensors are typed errors', () => {
  assert.throws(() => rt.ones([2, 2]).sum(2), (e: unknown) => e instanceof InvalidArgumentError && /axis: 2 is out of range/.test(e.message));
  assert.throws(() => ops.dropout(rt.ones([2]), 1.5), InvalidArgumentError);
  assert.throws(() => rt.tensor([1, 2, 3], [2, 2]), /\[tensor\] shape: \[2, 2\] holds 4 elements but data has 3/);
  const t = rt.ones([2]);
  t.dispose();
  assert.throws(() => t.add(1), DisposedTensorError);
});
