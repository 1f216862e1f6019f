/**
 * The js backend: the readable reference implementation of every kernel, in
 * plain TypeScript loops over f32 or f64 memory. It is the definition other
 * backends are tested against, and the fallback when the native addon is absent.
 */
import type { Backend } from '../backend.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as mm from './matmul.js';
import * as ix from './indexing.js';
import * as nn from './nn.js';
import * as att from './attention.js';
import * as opt from './optim.js';

export function createJsBackend(): Backend {
  return {
    name: 'js',
    threads: 1,
    unary: ew.unary,
    unaryGrad: ew.unaryGrad,
    binary: ew.binary,
    where: ew.where,
    copy: ew.copy,
    fill: ew.fill,
    reduce: red.reduce,
    argReduce: red.argReduce,
    cumsum: red.cumsum,
    topk: red.topk,
    sumSquares: red.sumSquares,
    matmul: mm.matmul,
    linear: mm.linear,
    gather: ix.gather,
    scatterAdd: ix.scatterAdd,
    gatherAxis: ix.gatherAxis,
    scatterAddAxis: ix.scatterAddAxis,
    softmax: nn.softmax,
    softmaxBackward: nn.softmaxBackward,
    logSoftmax: nn.logSoftmax,
    logSoftmaxBackward: nn.logSoftmaxBackward,
    layerNorm: nn.layerNorm,
    layerNormBackward: nn.layerNormBackward,
    rmsNorm: nn.rmsNorm,
    rmsNormBackward: nn.rmsNormBackward,
    rope: nn.rope,
    attention: att.attention,
    attentionBackward: att.attentionBackward,
    crossEntropy: nn.crossEntropy,
    crossEntropyBackward: nn.crossEntropyBackward,
    dropout: nn.dropout,
    adamw: opt.adamw,
    sgd: opt.sgd,
  };
}

export * as kernels from './kernels.js';
