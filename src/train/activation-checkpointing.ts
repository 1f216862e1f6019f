/**
 * Turns on activation checkpointing for a decoder model: each block's forward
 * is wrapped in `checkpoint()`, so a training step keeps only the blocks'
 * inputs alive and recomputes each block's activations during backward.
 * Roughly one extra forward pass of compute for a large cut in activation
 * memory (see `estimate`).
 */
import { InvalidArgumentError } from '../errors.js';
import { Module } from '../nn/module.js';
import { checkpoint } from '../tensor/checkpoint.js';
import type { Tensor } from '../tensor/tensor.js';

type BlockForward = (x: Tensor, ...rest: unknown[]) => Tensor;

/** The model's transformer blocks: DecoderLM keeps them behind a `blocks()` accessor. */
function blocksOf(model: Module): Module[] {
  const accessor = (model as unknown as { blocks?: () => readonly Module[] }).blocks;
  if (typeof accessor !== 'function') throw new InvalidArgumentError('activationCheckpointing', 'model', 'does not expose its transformer blocks');
  return [...accessor.call(model)];
}

/** Wraps every block's forward (idempotent). Returns the number of blocks wrapped. */
export function enableActivationCheckpointing(model: Module): number {
  const blocks = blocksOf(model);
  for (const block of blocks) {
    const b = block as unknown as { forward: BlockForward; __checkpointed?: boolean };
    if (b.__checkpointed) continue;
    const plain = b.forward.bind(block);
    // An own property shadows the class method; Module's walks ignore functions.
    Object.defineProperty(block, 'forward', {
      value: (x: Tensor, ...rest: unknown[]) => (block.training ? checkpoint((h) => plain(h, ...rest), [x]) : plain(x, ...rest)),
      configurable: true,
      enumerable: false,
      writable: true,
    });
    Object.defineProperty(block, '__checkpointed', { value: true, enumerable: false, configurable: true });
  }
  return blocks.length;
}
