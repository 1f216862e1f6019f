/**
 * Chat templates: turning a list of messages (and tool definitions) into the
 * prompt text a model was trained on.
 *
 * A model's own template comes from tokenizer_config.json `chat_template`
 * and is rendered with @huggingface/jinja, with the variables Hugging Face's
 * `apply_chat_template` passes (messages, tools, add_generation_prompt,
 * bos_token, eos_token). Models without one get ChatML, which is also the
 * built-in model's format; our ChatML template renders tools the way
 * Qwen2.5/Hermes-style models expect (a <tools> block in the system turn,
 * calls as <tool_call>{json}</tool_call>), so tool calling works on any model
 * that lacks a template of its own.
 */
import { Template } from '@huggingface/jinja';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';

export type ChatRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** An OpenAI-format tool call: arguments are a JSON string. */
export interface ToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string | null;
  readonly name?: string;
  /** Calls the assistant made (assistant messages). */
  readonly tool_calls?: readonly ToolCall[];
  /** Which call a tool message answers. */
  readonly tool_call_id?: string;
}

/** An OpenAI-format tool definition. */
export interface ToolSpec {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description?: string;
    /** JSON Schema of the arguments object. */
    readonly parameters?: { readonly [key: string]: unknown };
  };
}

export interface RenderOptions {
  /** Open the assistant's turn at the end (what generation continues from). Default true. */
  readonly addGenerationPrompt?: boolean;
  readonly tools?: readonly ToolSpec[];
  readonly bosToken?: string | null;
  readonly eosToken?: string | null;
}

/**
 * ChatML, with tool support. Written for lmkit; the turn format is
 * `<|im_start|>ROLE\nCONTENT<|im_end|>\n`, as the built-in model is trained.
 */
export const CHATML_TEMPLATE = [
  '{% if tools %}',
  '<|im_start|>system\n',
  "{% if messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}",
  'You may call one or more functions to answer. The functions, as JSON schemas, are:\n<tools>\n',
  '{% for tool in tools %}{{ tool | tojson }}\n{% endfor %}',
  '</tools>\nTo call a function, reply with one line per call:\n',
  '<tool_call>{"name": "FUNCTION_NAME", "arguments": {ARGUMENTS_AS_JSON}}</tool_call><|im_end|>\n',
  '{% endif %}',
  '{% for message in messages %}',
  "{% if not (tools and loop.first and message.role == 'system') %}",
  '<|im_start|>{{ message.role }}\n',
  '{% if message.content %}{{ message.content }}{% endif %}',
  '{% if message.tool_calls %}{% for call in message.tool_calls %}',
  '{% if not loop.first or message.content %}\n{% endif %}',
  '<tool_call>{{ call.function | tojson }}</tool_call>',
  '{% endfor %}{% endif %}',
  '<|im_end|>\n',
  '{% endif %}',
  '{% endfor %}',
  '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}',
].join('');

export class ChatTemplate {
  /** Whether the template reads `tools` (models whose template does not cannot be offered tools). */
  readonly supportsTools: boolean;
  readonly isDefault: boolean;
  private readonly template: Template;

  constructor(
    source: string | null,
    private readonly model = 'model',
  ) {
    this.isDefault = source === null;
    const text = source ?? CHATML_TEMPLATE;
    try {
      this.template = new Template(text);
    } catch (e) {
      throw new InvalidArgumentError('chat_template', 'chat_template', `the template of '${model}' does not parse: ${(e as Error).message}`);
    }
    this.supportsTools = /\btools\b/.test(text);
  }

  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    if (messages.length === 0) throw new InvalidArgumentError('chat', 'messages', 'at least one message is required');
    if (opts.tools && opts.tools.length > 0 && !this.supportsTools) {
      throw new UnsupportedError('tools', `the chat template of '${this.model}' does not render tools; call it without tools`);
    }
    const vars: Record<string, unknown> = {
      messages: messages.map(toTemplateMessage),
      add_generation_prompt: opts.addGenerationPrompt ?? true,
      bos_token: opts.bosToken ?? '',
      eos_token: opts.eosToken ?? '',
    };
    if (opts.tools && opts.tools.length > 0) vars.tools = opts.tools.map((t) => structuredClone(t));
    try {
      return this.template.render(vars);
    } catch (e) {
      // Templates raise on message orders they do not support (e.g. "roles must alternate").
      throw new InvalidArgumentError('chat', 'messages', `the chat template of '${this.model}' rejected them: ${(e as Error).message}`);
    }
  }
}

/**
 * Hugging Face templates expect tool-call arguments as an object (they
 * `tojson` it), while OpenAI sends a JSON string: parse it for the template.
 */
function toTemplateMessage(m: ChatMessage): Record<string, unknown> {
  // 'developer' is OpenAI's newer name for the system role; templates know only 'system'.
  const out: Record<string, unknown> = { role: m.role === 'developer' ? 'system' : m.role, content: m.content ?? '' };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((c, i) => {
      let args: unknown;
      try {
        args = JSON.parse(c.function.arguments);
      } catch {
        throw new InvalidArgumentError('chat', `messages.tool_calls[${i}].function.arguments`, 'must be a JSON string');
      }
      return { id: c.id, type: 'function', function: { name: c.function.name, arguments: args } };
    });
  }
  return out;
}
