/**
 * Tensor: a view (shape, strides, offset, dtype) over a reference-counted
 * storage, with an optional autograd node.
 *
 * Views (reshape, permute, slice, expand) share storage and cost no copy.
 * A tensor belongs to a Runtime, which owns the backend, the buffer pool, the
 * grad mode and the tidy() scopes. Math lives in ./ops/*; the methods here are
 * thin, chainable shortcuts to those functions.
 */
import { DisposedTensorError, InvalidArgumentError } from '../errors.js';
import type { View } from '../backends/backend.js';
import type { DType, TypedArray } from './dtype.js';
import { isContiguous, numel } from './shape.js';
import type { Storage } from './storage.js';
import type { Runtime } from './runtime.js';
import type { Node } from './autograd.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as mv from './ops/movement.js';
import * as mm from './ops/matmul.js';
import * as nn from './ops/nn.js';
import { backward, type BackwardOptions } from './autograd.js';

export type Scalar = number;
export type TensorLike = Tensor | Scalar;

export class Tensor implements View {
  requiresGrad = false;
  /** Accumulated gradient (leaves, and tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, while the graph is alive. */
  node: Node | null = null;
  /** Set by retainGrad(): keep this non-leaf tensor's gradient in `.grad`. */
  retainsGrad = false;
  /** The tidy() scope tracking this tensor, if any. */
  scope: Set<Tensor> | null = null;
  private disposed = false;

  constructor(
    readonly rt: Runtime,
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {
    storage.retain();
    rt.track(this);
  }

  // ---- identity and memory ----

  get data(): TypedArray {
    if (this.disposed) throw new DisposedTensorError('data');
    return this.storage.data;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return numel(this.shape);
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  get isDisposed(): boolean {
    return this.disposed;
  }
  /** Size of one dim (negative counts from the end). */
  size(axis: number): number {
    const a = axis < 0 ? axis + this.shape.length : axis;
    const d = this.shape[a];
    if (d === undefined) throw new InvalidArgumentError('size', 'axis', `${axis} is out of range for rank ${this.shape.length}`);
    return d;
  }

  assertAlive(op: string): void {
    if (this.disposed) throw new DisposedTensorError(op);
  }

  /** Releases this handle's claim on the storage. Idempotent. Views and autograd nodes keep their own claims. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.scope?.delete(this);
    this.scope = null;
    this.storage.release();
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** True when another tensor (a view, an alias) holds the same storage. */
  storageShared(): boolean {
    return this.storage.refs > 1;
  }

  /** A new handle on the same memory and view, outside any scope and graph. */
  alias(): Tensor {
    this.assertAlive('alias');
    return this.rt.untrack(new Tensor(this.rt, this.storage, this.shape, this.strides, this.offset, this.dtype));
  }

  /** A view of the same storage (no copy) with another shape/strides/offset. */
  view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    this.assertAlive('view');
    return new Tensor(this.rt, this.storage, shape, strides, offset, this.dtype);
  }

  // ---- autograd ----

  /** Marks this tensor as a leaf that accumulates gradients. Returns this. */
  requireGrad(on = true): this {
    if (on && !(this.dtype === 'f32' || this.dtype === 'f64')) {
      throw new InvalidArgumentError('requireGrad', 'dtype', `only f32/f64 tensors can require grad, got ${this.dtype}`);
    }
    this.requiresGrad = on;
    return this;
  }

  /** Keeps the gradient of this intermediate tensor in `.grad` during backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  backward(grad?: Tensor, opts?: BackwardOptions): void {
    backward(this, grad, opts);
  }

  /** A tensor sharing memory but cut from the graph. */
  detach(): Tensor {
    return this.view(this.shape, this.strides, this.offset);
  }

  /** Adds g into `.grad` (taking ownership of g). Used by backward. */
  accumulateGrad(g: Tensor): void {
    if (!this.grad) {
      this.grad = g.isContiguous && !g.storageShared() && g.dtype === this.dtype ? g : g.clone();
      if (this.grad !== g) g.dispose();
      this.rt.untrack(this.grad);
      return;
    }
    this.grad.addInPlace(g);
    g.dispose();
  }

  zeroGrad(): void {
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  // ---- reading out ----

  /** The elements in row-major order, as a fresh typed array (f16/bf16 converted to f32). */
  toArray(): Float32Array | Float64Array | Int32Array | Uint8Array {
    return mv.toArray(this);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) throw new InvalidArgumentError('item', 'tensor', `has ${this.numel} elements, expected 1`);
    return this.toArray()[0]!;
  }
  /** Nested arrays, for tests and printing. */
  toNested(): unknown {
    const flat = Array.from(this.toArray());
    const build = (dim: number, start: number): unknown => {
      if (dim === this.shape.length) return flat[start];
      const inner = this.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, start + i * inner));
    };
    return build(0, 0);
  }
  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }

  // ---- movement (views where possible) ----
  reshape(...shape: number[]): Tensor {
    return mv.reshape(this, shape);
  }
  permute(...axes: number[]): Tensor {
    return mv.permute(this, axes);
  }
  transpose(a = -2, b = -1): Tensor {
    return mv.transpose(this, a, b);
  }
  /** Elements [start, end) along `axis` (a view). */
  slice(axis: number, start: number, end?: number): Tensor {
    return mv.slice(this, axis, start, end);
  }
  expand(...shape: number[]): Tensor {
    return mv.expand(this, shape);
  }
  squeeze(axis?: number): Tensor {
    return mv.squeeze(this, axis);
  }
  unsqueeze(axis: number): Tensor {
    return mv.unsqueeze(this, axis);
  }
  flatten(start = 0, end = -1): Tensor {
    return mv.flatten(this, start, end);
  }
  contiguous(): Tensor {
    return mv.contiguous(this);
  }
  /** A contiguous copy that owns its memory. */
  clone(): Tensor {
    return mv.clone(this);
  }
  to(dtype: DType): Tensor {
    return mv.cast(this, dtype);
  }
  /** torch.gather along `axis` with i32 indices of the same rank. */
  gather(axis: number, idx: Tensor): Tensor {
    return mv.gather(this, axis, idx);
  }

  // ---- elementwise ----
  add(o: TensorLike): Tensor {
    return ew.add(this, o);
  }
  sub(o: TensorLike): Tensor {
    return ew.sub(this, o);
  }
  mul(o: TensorLike): Tensor {
    return ew.mul(this, o);
  }
  div(o: TensorLike): Tensor {
    return ew.div(this, o);
  }
  pow(o: TensorLike): Tensor {
    return ew.pow(this, o);
  }
  maximum(o: TensorLike): Tensor {
    return ew.maximum(this, o);
  }
  minimum(o: TensorLike): Tensor {
    return ew.minimum(this, o);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  silu(): Tensor {
    return ew.silu(this);
  }
  gelu(approximate: 'tanh' | 'none' = 'tanh'): Tensor {
    return ew.gelu(this, approximate);
  }
  eq(o: TensorLike): Tensor {
    return ew.compare('eq', this, o);
  }
  lt(o: TensorLike): Tensor {
    return ew.compare('lt', this, o);
  }
  gt(o: TensorLike): Tensor {
    return ew.compare('gt', this, o);
  }

  // ---- in place (no autograd; for optimizers and accumulation) ----
  /** this += o (o broadcast to this). Returns this. */
  addInPlace(o: TensorLike): this {
    ew.binaryInPlace('add', this, o);
    return this;
  }
  mulInPlace(o: TensorLike): this {
    ew.binaryInPlace('mul', this, o);
    return this;
  }
  /** Copies src (broadcast to this shape, any dtype) into this tensor's memory. Returns this. */
  copyFrom(src: Tensor): this {
    mv.copyInto(src, this);
    return this;
  }
  fill(value: number): this {
    mv.fillInPlace(this, value);
    return this;
  }

  // ---- reductions ----
  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return red.sum(this, axes, keepDims);
  }
  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    return red.mean(this, axes, keepDims);
  }
  max(axes?: number | readonly number[], keepDims = false): Tensor {
    return red.max(this, axes, keepDims);
  }
  min(axes?: number | readonly number[], keepDims = false): Tensor {
    return red.min(this, axes, keepDims);
  }
  argmax(axis = -1, keepDims = false): Tensor {
    return red.argmax(this, axis, keepDims);
  }

  // ---- linear algebra and nn ----
  matmul(o: Tensor): Tensor {
    return mm.matmul(this, o);
  }
  softmax(axis = -1): Tensor {
    return nn.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return nn.logSoftmax(this, axis);
  }
}
