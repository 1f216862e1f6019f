/** Classification accuracy: the share of predictions equal to their gold label. */
import { InvalidArgumentError } from '../../errors.js';

export function accuracy<T>(predictions: readonly (T | null | undefined)[], golds: readonly T[]): number {
  if (predictions.length !== golds.length) {
    throw new InvalidArgumentError('accuracy', 'golds', `${predictions.length} predictions but ${golds.length} gold labels`);
  }
  if (golds.length === 0) throw new InvalidArgumentError('accuracy', 'golds', 'need at least one example');
  let right = 0;
  for (let i = 0; i < golds.length; i++) if (predictions[i] === golds[i]) right++;
  return right / golds.length;
}
