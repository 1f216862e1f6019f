/**
 * Messages between the HTTP thread and a model's worker thread, and how
 * errors cross between them (structured clone drops classes, so typed errors
 * are sent as data and rebuilt on the other side).
 */
import { LmkitError, type ErrorCode } from '../../errors.js';
import { ContextLengthError, QueueFullError, type GenerateEvent, type GenerateRequest, type ModelInfo } from '../engine.js';

/** What a worker loads: a module exporting `createEngine(options)` and the options for it. */
export interface EngineModuleSpec {
  /** URL (file:) of an ES module exporting `createEngine(options: unknown): Promise<Engine>`. */
  readonly module: string;
  readonly options: unknown;
}

export type CallMethod = 'score' | 'embed' | 'classify' | 'tokenize' | 'stats';

export type ToWorker =
  | { readonly t: 'generate'; readonly id: number; readonly req: GenerateRequest }
  | { readonly t: 'call'; readonly id: number; readonly method: CallMethod; readonly arg: unknown }
  | { readonly t: 'cancel'; readonly id: number }
  | { readonly t: 'close' };

export type FromWorker =
  | { readonly t: 'ready'; readonly info: ModelInfo }
  | { readonly t: 'failed'; readonly error: WireError }
  | { readonly t: 'event'; readonly id: number; readonly ev: GenerateEvent }
  | { readonly t: 'result'; readonly id: number; readonly value: unknown }
  | { readonly t: 'error'; readonly id: number; readonly error: WireError }
  | { readonly t: 'closed' };

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly fields?: Record<string, unknown>;
  readonly stack?: string;
}

export function toWire(e: unknown): WireError {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
    return { name: e.name, message: e.message, ...(LmkitError.isInstance(e) ? { code: e.code } : {}), fields, ...(e.stack ? { stack: e.stack } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

export function fromWire(w: WireError): Error {
  const f = w.fields ?? {};
  let e: Error;
  if (w.name === 'QueueFullError') e = new QueueFullError(Number(f.queued), Number(f.maxQueue));
  else if (w.name === 'ContextLengthError') e = new ContextLengthError(String(f.model), Number(f.promptTokens), Number(f.maxTokens), Number(f.contextLength));
  else if (w.code) {
    e = new LmkitError(w.code as ErrorCode, w.message);
    // Keep the fields the HTTP layer reads (argument names the request field).
    Object.assign(e, f);
    e.name = w.name;
  } else {
    e = new Error(w.message);
    e.name = w.name;
  }
  if (w.stack) e.stack = w.stack;
  return e;
}
