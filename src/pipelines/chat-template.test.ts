/**
 * Chat templates and tool calls: ChatML (our default) renders turns exactly
 * as the built-in model's corpus does, tools and calls as Qwen2.5-style tags;
 * a model's own Jinja template is rendered with HF's variables; tool calls
 * are parsed from tagged and bare-JSON answers and kept out of streamed text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChatML, renderGenerationPrompt } from '../data/corpus/prompts.js';
import { ChatTemplate } from './chat-template.js';
import { parseToolCalls, ToolCallStreamSplitter, toolCallSchema } from './tool-calls.js';

const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

describe('ChatTemplate', () => {
  it('ChatML matches the corpus rendering the built-in model was trained on', () => {
    const t = new ChatTemplate(null);
    const msgs = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hello!' },
      { role: 'user' as const, content: 'Bye' },
    ];
    assert.equal(t.render(msgs, { addGenerationPrompt: false }), renderChatML(msgs));
    assert.equal(t.render(msgs), renderGenerationPrompt(msgs));
    assert.equal(t.render([{ role: 'developer', content: 'Rules.' }]), '<|im_start|>system\nRules.<|im_end|>\n<|im_start|>assistant\n');
    assert.equal(t.supportsTools, true);
  });

  it('renders tools into the system turn and past calls as <tool_call> tags', () => {
    const out = new ChatTemplate(null).render(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '18C', tool_call_id: 'c1' },
      ],
      { tools },
    );
    assert.ok(out.startsWith('<|im_start|>system\nBe brief.\n\nYou may call one or more functions'));
    assert.ok(out.includes('<tools>\n{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}\n</tools>'));
    assert.equal(out.match(/<\|im_start\|>system/g)!.length, 1);
    assert.ok(out.includes('<|im_start|>assistant\n<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|im_end|>\n<|im_start|>tool\n18C<|im_end|>\n<|im_start|>assistant\n'));
  });

  it("renders a model's own template with bos_token and add_generation_prompt, and refuses tools it cannot show", () => {
    const llamaLike =
      "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content | trim }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}";
    const t = new ChatTemplate(llamaLike, 'llama');
    assert.equal(
      t.render([{ role: 'user', content: ' Hi ' }], { bosToken: '<|begin_of_text|>' }),
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    assert.equal(t.supportsTools, false);
    assert.throws(() => t.render([{ role: 'user', content: 'x' }], { tools }), /does not render tools/);
    const strict = new ChatTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}ok");
    assert.throws(() => strict.render([{ role: 'assistant', content: 'x' }]), /rejected them: .*first must be user/);
    assert.throws(() => new ChatTemplate('{% for %}'), /does not parse/);
  });
});

describe('tool calls', () => {
  it('parses tagged calls, bare JSON calls, and leaves other text alone', () => {
    const a = parseToolCalls('Let me check.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>', tools);
    assert.equal(a.content, 'Let me check.');
    assert.equal(a.toolCalls[0]!.function.arguments, '{"city":"Oslo"}');
    assert.match(a.toolCalls[0]!.id, /^call_/);
    const two = parseToolCalls('<tool_call>{"name":"get_weather","arguments":{"city":"A"}}</tool_call>\n<tool_call>{"name":"get_weather","arguments":{"city":"B"}}', tools);
    assert.equal(two.toolCalls.length, 2);
    assert.equal(two.content, null);
    const bare = parseToolCalls(' {"name": "get_weather", "parameters": {"city": "Rome"}}', tools);
    assert.equal(bare.toolCalls[0]!.function.arguments, '{"city":"Rome"}');
    assert.deepEqual(parseToolCalls('{"name": "unknown_tool", "arguments": {}}', tools).toolCalls, []);
    assert.deepEqual(parseToolCalls('<tool_call>not json</tool_call>', tools), { content: '<tool_call>not json</tool_call>', toolCalls: [] });
  });

  it('streams content and holds back calls, even a tag split across pieces', () => {
    const s = new ToolCallStreamSplitter(tools);
    const pieces = ['Sure', '. <tool', '_call>{"name": "get_', 'weather", "arguments": {"city": "Lima"}}</tool_call>'];
    const streamed = pieces.map((p) => s.push(p)).join('');
    assert.equal(streamed, 'Sure. ');
    const fin = s.finish();
    assert.equal(fin.toolCalls[0]!.function.arguments, '{"city":"Lima"}');
    const plain = new ToolCallStreamSplitter(tools);
    assert.equal(['  ', 'Hello <', 'b>'].map((p) => plain.push(p)).join('') + plain.finish().content, '  Hello <b>');
  });

  it('builds the schema a forced call is decoded with', () => {
    const two = [...tools, { type: 'function' as const, function: { name: 'noop' } }];
    assert.deepEqual(toolCallSchema(two, 'noop'), {
      type: 'object',
      properties: { name: { const: 'noop' }, arguments: { type: 'object' } },
      required: ['name', 'arguments'],
      additionalProperties: false,
    });
    assert.equal((toolCallSchema(two) as { anyOf: unknown[] }).anyOf.length, 2);
  });
});
