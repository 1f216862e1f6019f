/**
 * Tool calls in model output, and the schema that forces one.
 *
 * Parsing understands the two formats chat templates teach:
 *   - tagged, as Qwen2.5 and Hermes models (and our ChatML template) write:
 *     `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, one per call;
 *   - a bare JSON object `{"name": ..., "arguments"|"parameters": {...}}` as
 *     the whole answer, as Llama 3.x models write.
 * Anything else is plain content.
 *
 * With tool_choice `required` or a named function, generation starts after a
 * `<tool_call>` prefix and is constrained to `toolCallSchema(...)`, so the
 * call always parses.
 */
import { randomBytes } from 'node:crypto';
import type { JsonSchema } from '../serve/engine.js';
import { StopMatcher } from '../generate/stop.js';
import type { ToolCall, ToolSpec } from './chat-template.js';

export const TOOL_CALL_OPEN = '<tool_call>';
export const TOOL_CALL_CLOSE = '</tool_call>';

export interface ParsedToolOutput {
  /** Text outside the calls (null when there is none). */
  readonly content: string | null;
  readonly toolCalls: readonly ToolCall[];
}

export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** Reads `{name, arguments}` (or `parameters`) into an OpenAI tool call; null if it is not one. */
export function toToolCall(value: unknown, known?: ReadonlySet<string>): ToolCall | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  const name = o.name;
  if (typeof name !== 'string' || (known && !known.has(name))) return null;
  const args = o.arguments ?? o.parameters ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    // Some models write arguments as a JSON string already.
    if (typeof args !== 'string') return null;
    try {
      JSON.parse(args);
    } catch {
      return null;
    }
    return { id: newToolCallId(), type: 'function', function: { name, arguments: args } };
  }
  return { id: newToolCallId(), type: 'function', function: { name, arguments: JSON.stringify(args) } };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Splits a model's answer into content and tool calls. `tools` limits calls to known function names. */
export function parseToolCalls(text: string, tools?: readonly ToolSpec[]): ParsedToolOutput {
  const known = tools ? new Set(tools.map((t) => t.function.name)) : undefined;
  const calls: ToolCall[] = [];
  let content = '';
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf(TOOL_CALL_OPEN, pos);
    if (open < 0) break;
    const bodyStart = open + TOOL_CALL_OPEN.length;
    const close = text.indexOf(TOOL_CALL_CLOSE, bodyStart);
    // A call cut off by the end-of-turn token has no closing tag; take the rest.
    const bodyEnd = close < 0 ? text.length : close;
    const call = toToolCall(tryJson(text.slice(bodyStart, bodyEnd).trim()), known);
    if (!call) break;
    content += text.slice(pos, open);
    calls.push(call);
    pos = close < 0 ? text.length : close + TOOL_CALL_CLOSE.length;
  }
  content += text.slice(pos);
  if (calls.length === 0) {
    const whole = text.trim();
    if (whole.startsWith('{')) {
      const call = toToolCall(tryJson(whole), known);
      if (call) return { content: null, toolCalls: [call] };
    }
    return { content: text, toolCalls: [] };
  }
  const rest = content.trim();
  return { content: rest.length > 0 ? rest : null, toolCalls: calls };
}

/** The JSON Schema of one call to any of `tools` (or only to `name`): `{"name": ..., "arguments": {...}}`. */
export function toolCallSchema(tools: readonly ToolSpec[], name?: string): JsonSchema {
  const chosen = name === undefined ? tools : tools.filter((t) => t.function.name === name);
  const variants = chosen.map((t) => ({
    type: 'object',
    properties: {
      name: { const: t.function.name },
      arguments: t.function.parameters ?? { type: 'object' },
    },
    required: ['name', 'arguments'],
    additionalProperties: false,
  }));
  return variants.length === 1 ? variants[0]! : { anyOf: variants };
}

/**
 * Streams an answer's content while keeping tool calls out of it: text is
 * passed through until a `<tool_call>` tag starts (or the answer opens with a
 * bare JSON object), after which everything is held and parsed at the end.
 */
export class ToolCallStreamSplitter {
  private readonly gate = new StopMatcher([TOOL_CALL_OPEN]);
  private buffering = false;
  private buffer = '';
  /** Leading whitespace, held until the first visible character shows whether a bare JSON call begins. */
  private lead = '';
  private started = false;

  constructor(private readonly tools?: readonly ToolSpec[]) {}

  /** Adds generated text; returns the content that can be streamed now. */
  push(text: string): string {
    if (this.buffering) {
      this.buffer += text;
      return '';
    }
    if (!this.started) {
      const all = this.lead + text;
      if (all.trim() === '') {
        this.lead = all;
        return '';
      }
      this.started = true;
      this.lead = '';
      if (all.trimStart().startsWith('{')) {
        this.buffering = true;
        this.buffer = all;
        return '';
      }
      text = all;
    }
    const before = this.gate.pending;
    const r = this.gate.push(text);
    if (r.stopped) {
      // The tag and whatever followed it in this piece start the held call.
      this.buffering = true;
      this.buffer = (before + text).slice(r.text.length);
    }
    return r.text;
  }

  /** At the end: the content not yet streamed, and the calls. */
  finish(): { content: string; toolCalls: readonly ToolCall[] } {
    if (!this.buffering) return { content: this.lead + this.gate.flush(), toolCalls: [] };
    const parsed = parseToolCalls(this.buffer, this.tools);
    if (parsed.toolCalls.length === 0) return { content: this.buffer, toolCalls: [] };
    return { content: parsed.content ?? '', toolCalls: parsed.toolCalls };
  }
}
