/**
 * Errors as the OpenAI API writes them, mapped from everything the server
 * can throw in one place:
 *
 *   { "error": { "message": "...", "type": "invalid_request_error", "param": "max_tokens", "code": null } }
 *
 * `toApiError` is the only translation from exceptions to HTTP statuses:
 * request validation (zod issues, with the field path in `param`), lmkit's
 * typed errors, a full queue (429 + Retry-After), timeouts (504) and anything
 * unexpected (500, logged, message hidden).
 */
import type { ZodError } from 'zod';
import { LmkitError } from '../errors.js';
import { ContextLengthError, QueueFullError } from './engine.js';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'server_error';

export interface ApiErrorBody {
  readonly error: { readonly message: string; readonly type: ApiErrorType; readonly param: string | null; readonly code: string | null };
}

/** An error response: HTTP status, OpenAI error fields and extra headers. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A zod path as OpenAI writes params: `messages[0].content`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

export function fromZodError(e: ZodError): ApiError {
  const issues = e.issues;
  const unknown = issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  if (unknown && unknown.code === 'unrecognized_keys') {
    const keys = unknown.keys;
    return new ApiError(400, `Unrecognized request argument supplied: ${keys.join(', ')}`, 'invalid_request_error', keys[0] ?? null, 'unknown_parameter');
  }
  const first = issues[0];
  const param = first ? formatPath(first.path) || null : null;
  const message = issues
    .slice(0, 5)
    .map((i) => {
      const p = formatPath(i.path);
      return p ? `${p}: ${i.message}` : i.message;
    })
    .join('; ');
  return new ApiError(400, message || 'invalid request', 'invalid_request_error', param, 'invalid_value');
}

/** Raised when a request's time limit passes (the signal's reason). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the request did not finish within ${timeoutMs / 1000}s`);
  }
}

/** Where a request argument lives, for errors the engine raises about the prompt. */
export interface ErrorContext {
  /** The request field holding the prompt (`messages`, `prompt`, `input`). */
  readonly promptParam?: string;
  readonly log?: (message: string) => void;
  /** Seconds a client is told to wait when the queue is full (default 1). */
  readonly retryAfterS?: number;
}

export function toApiError(e: unknown, ctx: ErrorContext = {}): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof QueueFullError || (LmkitError.isInstance(e) && e.code === 'overloaded')) {
    return new ApiError(429, (e as Error).message, 'rate_limit_error', null, 'queue_full', { 'Retry-After': String(ctx.retryAfterS ?? 1) });
  }
  if (e instanceof RequestTimeoutError) return new ApiError(504, e.message, 'timeout_error', null, 'timeout');
  if (e instanceof ContextLengthError) return new ApiError(400, e.message, 'invalid_request_error', ctx.promptParam ?? null, 'context_length_exceeded');
  if (LmkitError.isInstance(e)) {
    const argument = (e as { argument?: unknown }).argument;
    const param = typeof argument === 'string' ? argument : null;
    switch (e.code) {
      case 'not_found':
        return new ApiError(404, e.message, 'not_found_error', 'model', 'model_not_found');
      case 'invalid_argument':
      case 'unsupported':
      case 'usage':
      case 'shape_mismatch':
      case 'index_out_of_range':
        return new ApiError(400, e.message, 'invalid_request_error', param, e.code === 'unsupported' ? 'unsupported' : 'invalid_value');
      default:
        // A model that fails to load (bad files, config) is the server's problem, but its message helps the operator.
        ctx.log?.(`lmkit serve: ${e.message}`);
        return new ApiError(500, e.message, 'server_error', null, e.code);
    }
  }
  if (e instanceof SyntaxError) return new ApiError(400, `the body is not valid JSON: ${e.message}`, 'invalid_request_error', null, 'invalid_json');
  ctx.log?.(`lmkit serve: internal error: ${(e as Error)?.stack ?? String(e)}`);
  return new ApiError(500, 'internal server error', 'server_error', null, null);
}
