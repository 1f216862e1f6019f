/**
 * Errors of checkpoint loading, in the LmkitError family (src/errors.ts):
 * each names the file, the tensor and what was expected, and carries them as
 * fields for callers that branch on data.
 */
import { LmkitError, fmtShape } from '../errors.js';

/** A checkpoint tensor whose shape is not the one the config implies. */
export class WeightShapeError extends LmkitError {
  constructor(
    readonly file: string,
    readonly tensor: string,
    readonly expected: readonly number[],
    readonly got: readonly number[],
  ) {
    super('shape_mismatch', `[${file}] tensor '${tensor}': expected shape ${fmtShape(expected)} from the config, got ${fmtShape(got)}`);
  }
}

/** A parameter the model needs that the checkpoint does not have. */
export class MissingWeightError extends LmkitError {
  constructor(
    readonly file: string,
    readonly parameter: string,
    /** The checkpoint names that were looked for. */
    readonly keys: readonly string[],
  ) {
    super('not_found', `[${file}] missing tensor '${keys[0]}' for parameter '${parameter}'${keys.length > 1 ? ` (also tried ${keys.slice(1).map((k) => `'${k}'`).join(', ')})` : ''}; is the config right for this checkpoint?`);
  }
}
