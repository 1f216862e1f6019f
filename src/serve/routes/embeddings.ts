/**
 * POST /v1/embeddings: pooled, L2-normalised hidden states, as floats or as
 * base64 little-endian float32 (what the openai SDK asks for by default).
 */
import type { Context } from 'hono';
import type { PromptInput } from '../engine.js';
import { ApiError, toApiError } from '../http-errors.js';
import { embeddingSchema, type EmbeddingBody } from '../openai-schema.js';
import { parseBody, readJson, RequestScope, type RouteEnv } from './common.js';

function inputsOf(p: EmbeddingBody['input']): PromptInput[] {
  if (typeof p === 'string') return [p];
  if (p.length > 0 && typeof p[0] === 'number') return [p as number[]];
  return p as (string | number[])[];
}

function base64Of(v: Float32Array): string {
  // Float32Array is host-endian; every platform Node supports is little-endian, as the format requires.
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export async function embeddings(c: Context, env: RouteEnv): Promise<Response> {
  const body = parseBody(embeddingSchema, await readJson(c));
  const inputs = inputsOf(body.input);
  if (inputs.length > 2048) throw new ApiError(400, `at most 2048 inputs per request, got ${inputs.length}`, 'invalid_request_error', 'input', 'invalid_value');
  if (inputs.some((x) => x === '')) throw new ApiError(400, 'inputs must not be empty strings', 'invalid_request_error', 'input', 'invalid_value');
  const lease = await env.pool.acquire(body.model);
  const scope = new RequestScope(c.req.raw.signal, env.timeoutMs);
  try {
    const r = await lease.engine
      .embed({ inputs, pooling: body.pooling ?? 'mean', normalize: body.normalize ?? true }, { signal: scope.signal })
      .catch((e) => {
        scope.throwIfTimedOut();
        throw toApiError(e, { promptParam: 'input', log: env.log });
      });
    const dim = r.embeddings[0]?.length ?? 0;
    if (body.dimensions != null && body.dimensions !== dim) {
      throw new ApiError(400, `this model's embeddings have ${dim} dimensions; omit 'dimensions' or set it to ${dim}`, 'invalid_request_error', 'dimensions', 'invalid_value');
    }
    env.metrics.promptTokens.inc({ model: lease.engine.info.id }, r.promptTokens);
    const b64 = body.encoding_format === 'base64';
    return c.json({
      object: 'list',
      data: r.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: b64 ? base64Of(v) : Array.from(v) })),
      model: lease.engine.info.id,
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    });
  } finally {
    scope.finish();
    lease.release();
  }
}
