/**
 * Chat: messages (and tools) in, an assistant message out.
 *
 * `prepareChat` is the shared part of the chat pipeline and the server's
 * /v1/chat/completions: it renders the prompt with the model's template,
 * decides what decoding is constrained to (JSON mode, a JSON schema, or a
 * tool call when tool_choice demands one), and returns how to read the
 * model's answer back (content and tool calls).
 */
import { InvalidArgumentError } from '../errors.js';
import { collectGeneration, type CallOptions, type Engine, type GenerateEvent, type JsonSchema, type ModelInfo, type OutputConstraint, type SamplingOptions } from '../serve/engine.js';
import { EnginePipeline } from './base.js';
import { ChatTemplate, type ChatMessage, type ToolCall, type ToolSpec } from './chat-template.js';
import { parseToolCalls, toToolCall, toolCallSchema, TOOL_CALL_OPEN } from './tool-calls.js';

export type ToolChoice = 'none' | 'auto' | 'required' | { readonly type: 'function'; readonly function: { readonly name: string } };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly schema?: JsonSchema };

export interface ChatRequestOptions {
  readonly tools?: readonly ToolSpec[];
  readonly toolChoice?: ToolChoice;
  readonly responseFormat?: ResponseFormat;
}

export interface PreparedChat {
  readonly prompt: string;
  readonly constraint: OutputConstraint | null;
  /** Whether the answer may hold tool calls (parse it with `readAnswer`). */
  readonly toolsActive: boolean;
  /** With a forced call, the answer is the bare call JSON (the template's call prefix is in the prompt). */
  readonly forcedCall: boolean;
  /** Splits the generated text into the assistant's content and tool calls. */
  readAnswer(text: string): { content: string | null; toolCalls: readonly ToolCall[] };
}

const templates = new WeakMap<ModelInfo, ChatTemplate>();

/** The model's chat template (its own, or ChatML), parsed once per loaded model. */
export function chatTemplateOf(info: ModelInfo): ChatTemplate {
  let t = templates.get(info);
  if (!t) {
    t = new ChatTemplate(info.chatTemplate, info.id);
    templates.set(info, t);
  }
  return t;
}

export function prepareChat(info: ModelInfo, messages: readonly ChatMessage[], opts: ChatRequestOptions = {}): PreparedChat {
  const template = chatTemplateOf(info);
  const choice = opts.toolChoice ?? 'auto';
  const tools = opts.tools && opts.tools.length > 0 ? opts.tools : undefined;
  if (!tools && choice !== 'none' && choice !== 'auto') {
    throw new InvalidArgumentError('chat', 'tool_choice', `'${typeof choice === 'string' ? choice : choice.function.name}' needs tools`);
  }
  if (typeof choice === 'object' && !tools!.some((t) => t.function.name === choice.function.name)) {
    throw new InvalidArgumentError('chat', 'tool_choice', `no tool named '${choice.function.name}'; tools are ${tools!.map((t) => t.function.name).join(', ')}`);
  }
  const toolsActive = tools !== undefined && choice !== 'none';
  let prompt = template.render(messages, {
    addGenerationPrompt: true,
    bosToken: info.bosToken,
    eosToken: info.eosToken,
    ...(toolsActive ? { tools } : {}),
  });
  // The BOS token, when the template writes it, is part of the text; special tokens are parsed by the engine.
  const forcedCall = toolsActive && (choice === 'required' || typeof choice === 'object');
  let constraint: OutputConstraint | null = null;
  if (forcedCall) {
    // Start the call as the template teaches it, then force the JSON of a call to a known tool.
    if (template.isDefault || (info.chatTemplate ?? '').includes(TOOL_CALL_OPEN)) prompt += `${TOOL_CALL_OPEN}\n`;
    constraint = { type: 'json_schema', schema: toolCallSchema(tools!, typeof choice === 'object' ? choice.function.name : undefined) };
  } else if (opts.responseFormat?.type === 'json_object') {
    constraint = { type: 'json_object' };
  } else if (opts.responseFormat?.type === 'json_schema') {
    constraint = opts.responseFormat.schema ? { type: 'json_schema', schema: opts.responseFormat.schema } : { type: 'json_object' };
  }
  return {
    prompt,
    constraint,
    toolsActive,
    forcedCall,
    readAnswer(text) {
      if (forcedCall) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          value = undefined;
        }
        const call = toToolCall(value);
        // Only a generation cut short by max_tokens leaves the forced JSON incomplete.
        if (call) return { content: null, toolCalls: [call] };
        return { content: text, toolCalls: [] };
      }
      if (toolsActive) return parseToolCalls(text, tools);
      return { content: text, toolCalls: [] };
    },
  };
}

export interface ChatOptions extends ChatRequestOptions, CallOptions {
  readonly maxTokens?: number;
  readonly sampling?: Partial<SamplingOptions>;
  readonly stop?: readonly string[];
}

export interface ChatReply {
  readonly message: { readonly role: 'assistant'; readonly content: string | null; readonly tool_calls?: readonly ToolCall[] };
  readonly finishReason: 'stop' | 'length' | 'tool_calls' | 'cancelled';
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
}

export function samplingOf(s: Partial<SamplingOptions> | undefined): SamplingOptions {
  return { temperature: s?.temperature ?? 0.7, topP: s?.topP ?? 1, ...(s?.topK !== undefined ? { topK: s.topK } : {}), ...(s?.seed !== undefined ? { seed: s.seed } : {}) };
}

/** The chat pipeline: the model's chat template, then generation; tools and JSON output as requested. */
export class ChatPipeline extends EnginePipeline {
  /** Streams the answer's text as it is generated (no tool parsing). */
  async *stream(messages: readonly ChatMessage[], opts: ChatOptions = {}): AsyncIterable<string> {
    const prep = prepareChat(this.engine.info, messages, opts);
    for await (const ev of this.events(prep, opts)) if (ev.type !== 'start' && ev.text) yield ev.text;
  }

  async chat(messages: readonly ChatMessage[], opts: ChatOptions = {}): Promise<ChatReply> {
    const prep = prepareChat(this.engine.info, messages, opts);
    const r = await collectGeneration(this.events(prep, opts));
    const answer = prep.readAnswer(r.text);
    const finishReason = answer.toolCalls.length > 0 ? 'tool_calls' : r.finishReason;
    return {
      message: { role: 'assistant', content: answer.content, ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}) },
      finishReason,
      usage: { promptTokens: r.promptTokens, completionTokens: r.completionTokens },
    };
  }

  private events(prep: PreparedChat, opts: ChatOptions): AsyncIterable<GenerateEvent> {
    return this.engine.generate(
      {
        prompt: prep.prompt,
        addSpecial: false,
        maxTokens: opts.maxTokens ?? 256,
        clampToContext: opts.maxTokens === undefined,
        sampling: samplingOf(opts.sampling),
        stop: opts.stop ?? [],
        constraint: prep.constraint,
      },
      opts.signal ? { signal: opts.signal } : {},
    );
  }
}
