/**
 * The one error family of lmkit.
 *
 * Every error that bad input can cause is an `LmkitError` with a `code`
 * discriminant and structured fields, so callers can branch on data rather than
 * on prose. `isInstance` works across duplicate copies of the package (the
 * marker is a registered Symbol), as in vercel/ai's AISDKError.
 *
 * Messages start with the op, file or command in brackets and say what to do:
 *   [matmul] inner dims 768 and 512 differ; did you mean x.transpose(-1, -2)?
 */

const marker = Symbol.for('lmkit.error');

export type ErrorCode =
  | 'shape_mismatch'
  | 'dtype_mismatch'
  | 'index_out_of_range'
  | 'invalid_argument'
  | 'disposed_tensor'
  | 'non_finite'
  | 'unsupported'
  | 'config'
  | 'file_format'
  | 'not_found'
  | 'usage'
  | 'io'
  | 'overloaded';

export class LmkitError extends Error {
  readonly [marker] = true;
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  static isInstance(e: unknown): e is LmkitError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[marker] === true;
  }
}

/** Shapes that an op cannot combine. `op` names the op, `shapes` its inputs' shapes. */
export class ShapeError extends LmkitError {
  readonly op: string;
  readonly shapes: readonly (readonly number[])[];
  constructor(op: string, shapes: readonly (readonly number[])[], detail: string) {
    super('shape_mismatch', `[${op}] ${detail} (shapes ${shapes.map(fmtShape).join(', ')})`);
    this.op = op;
    this.shapes = shapes;
  }
}

export class DTypeError extends LmkitError {
  readonly op: string;
  readonly expected: string;
  readonly got: string;
  constructor(op: string, expected: string, got: string) {
    super('dtype_mismatch', `[${op}] expected dtype ${expected}, got ${got}`);
    this.op = op;
    this.expected = expected;
    this.got = got;
  }
}

export class IndexRangeError extends LmkitError {
  readonly op: string;
  readonly index: number;
  readonly size: number;
  constructor(op: string, index: number, size: number, what = 'index') {
    super('index_out_of_range', `[${op}] ${what} ${index} is out of range for size ${size}`);
    this.op = op;
    this.index = index;
    this.size = size;
  }
}

export class InvalidArgumentError extends LmkitError {
  readonly op: string;
  readonly argument: string;
  constructor(op: string, argument: string, detail: string) {
    super('invalid_argument', `[${op}] ${argument}: ${detail}`);
    this.op = op;
    this.argument = argument;
  }
}

export class DisposedTensorError extends LmkitError {
  readonly op: string;
  constructor(op: string) {
    super('disposed_tensor', `[${op}] tensor was disposed; keep it (rt.keep) or return it from the tidy() scope`);
    this.op = op;
  }
}

/** A NaN or infinity where a finite value was required (loss checks, `checkFinite`). */
export class NonFiniteError extends LmkitError {
  readonly op: string;
  constructor(op: string, detail: string) {
    super('non_finite', `[${op}] ${detail}`);
    this.op = op;
  }
}

export class UnsupportedError extends LmkitError {
  readonly feature: string;
  constructor(feature: string, detail: string) {
    super('unsupported', `[${feature}] ${detail}`);
    this.feature = feature;
  }
}

export interface ConfigIssue {
  /** Where in the config, e.g. ["model", "n_layer"]. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A config file or object that failed validation; `issues` lists every problem with its path. */
export class ConfigError extends LmkitError {
  readonly source: string;
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    super('config', `[${source}] invalid config:\n${lines.join('\n')}`);
    this.source = source;
    this.issues = issues;
  }
}

/** A file that is truncated, malformed or not of the expected format. */
export class FileFormatError extends LmkitError {
  readonly file: string;
  readonly field: string | undefined;
  constructor(file: string, detail: string, field?: string) {
    super('file_format', `[${file}] ${field ? `${field}: ` : ''}${detail}`);
    this.file = file;
    this.field = field;
  }
}

export class NotFoundError extends LmkitError {
  readonly what: string;
  constructor(what: string, detail: string) {
    super('not_found', `[${what}] ${detail}`);
    this.what = what;
  }
}

/** Wrong command-line usage: the CLI prints it without a stack and exits 2. */
export class UsageError extends LmkitError {
  readonly command: string;
  constructor(command: string, detail: string) {
    super('usage', `[${command}] ${detail}`);
    this.command = command;
  }
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}
