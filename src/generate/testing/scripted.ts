/**
 * Test models with a known answer: a FunctionLM that, after a prompt of a given
 * length, puts all its probability on the next token of a script.
 */
import type { Runtime } from '../../tensor/runtime.js';
import { FunctionLM } from './toy-lm.js';

/** Greedy decoding after `promptLen` tokens yields `script` (then keeps repeating its last token). */
export function scriptedLM(rt: Runtime, vocabSize: number, promptLen: number, script: readonly number[], contextLength = 512): FunctionLM {
  return new FunctionLM(
    rt,
    vocabSize,
    (h) => {
      const l = new Float32Array(vocabSize);
      const k = Math.min(h.length - promptLen, script.length - 1);
      if (k >= 0) l[script[k]!] = 20;
      return l;
    },
    contextLength,
  );
}

/** A bigram model with random but fixed logits: the next token depends on the last one only. */
export function bigramLM(rt: Runtime, vocabSize: number, seed = 1, contextLength = 512): FunctionLM {
  const table: Float32Array[] = [];
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < vocabSize; i++) table.push(Float32Array.from({ length: vocabSize }, () => (rand() - 0.5) * 6));
  return new FunctionLM(rt, vocabSize, (h) => table[h[h.length - 1]!]!, contextLength);
}
