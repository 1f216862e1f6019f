/**
 * The built-in model's chat format and canonical task prompts. Training text
 * and inference prompts are both rendered here, so the inference pipelines
 * ask the built-in model exactly what it was trained on.
 *
 * Format (ChatML): every turn is `<|im_start|>ROLE\nCONTENT<|im_end|>\n`;
 * a generation prompt ends with `<|im_start|>assistant\n`. Plain documents
 * (product descriptions) end with `<|endoftext|>`.
 */
import { InvalidArgumentError } from '../../errors.js';
import { SHOP } from './policies.js';
import type { CorpusRecord, Sentiment } from './record.js';

export const END_OF_TEXT = '<|endoftext|>';
export const IM_START = '<|im_start|>';
export const IM_END = '<|im_end|>';
/** The special tokens the built-in tokenizer must keep whole. */
export const SPECIAL_TOKENS: readonly string[] = [END_OF_TEXT, IM_START, IM_END];

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** Renders complete turns. */
export function renderChatML(messages: readonly ChatMessage[]): string {
  let out = '';
  for (const m of messages) out += `${IM_START}${m.role}\n${m.content}${IM_END}\n`;
  return out;
}

/** Renders turns and opens the assistant's: what the model continues from. */
export function renderGenerationPrompt(messages: readonly ChatMessage[]): string {
  return `${renderChatML(messages)}${IM_START}assistant\n`;
}

/** The fixed system prompt of support chats. */
export const SUPPORT_SYSTEM = `You are the customer support assistant of ${SHOP.name}, an outdoor gear shop. Answer from the shop's catalog and policies.`;

/** The support system turn: the fixed prompt, then the catalog cards when the question is about products. */
export function supportSystemPrompt(context?: string): string {
  return context ? `${SUPPORT_SYSTEM}\n\n${context}` : SUPPORT_SYSTEM;
}

/** Task prompts; index 0 is canonical, the others are paraphrases used in training only. */
export const TASK_PROMPTS = {
  toSpanish: [
    'Translate to Spanish: {text}',
    'Translate this sentence into Spanish: {text}',
    'How do you say this in Spanish? {text}',
    'Spanish, please: {text}',
  ],
  toEnglish: [
    'Translate to English: {text}',
    'Translate this sentence into English: {text}',
    'What does this mean in English? {text}',
    'English, please: {text}',
  ],
  sentiment: [
    'What is the sentiment of this review? {text}',
    'Is this review positive, negative or neutral? {text}',
    'Classify the sentiment of this review as positive, negative or neutral: {text}',
  ],
  summary: [
    'Summarize in one line: {text}',
    'Give a one-line summary: {text}',
    'Sum this up in one sentence: {text}',
  ],
} as const satisfies Record<string, readonly string[]>;

export type PromptKind = keyof typeof TASK_PROMPTS;

function fill(kind: PromptKind, text: string, variant: number): string {
  const list = TASK_PROMPTS[kind];
  const t = list[variant];
  if (t === undefined) throw new InvalidArgumentError('corpus.prompts', 'variant', `${kind} has variants 0..${list.length - 1}, got ${variant}`);
  return t.replace('{text}', text);
}

/** `Translate to Spanish: {text}` / `Translate to English: {text}`. */
export function translatePrompt(text: string, target: 'es' | 'en', variant = 0): string {
  return fill(target === 'es' ? 'toSpanish' : 'toEnglish', text, variant);
}

/** `What is the sentiment of this review? {review}`; the answer is exactly positive, negative or neutral. */
export function sentimentPrompt(review: string, variant = 0): string {
  return fill('sentiment', review, variant);
}

/** `Summarize in one line: {text}`. */
export function summaryPrompt(text: string, variant = 0): string {
  return fill('summary', text, variant);
}

/** How many prompt paraphrases a task has (1 for tasks without a prompt). */
export function promptVariants(task: CorpusRecord['task'], lang?: string): number {
  switch (task) {
    case 'translate':
      return TASK_PROMPTS[lang === 'es-en' ? 'toEnglish' : 'toSpanish'].length;
    case 'sentiment':
      return TASK_PROMPTS.sentiment.length;
    case 'summary':
      return TASK_PROMPTS.summary.length;
    default:
      return 1;
  }
}

type PromptFields = Pick<CorpusRecord, 'task' | 'input' | 'lang'> & { readonly context?: string };

/** The turns before the assistant's answer. Descriptions have none: they are plain documents. */
export function promptMessages(r: PromptFields, variant = 0): ChatMessage[] {
  switch (r.task) {
    case 'support':
      return [
        { role: 'system', content: supportSystemPrompt(r.context) },
        { role: 'user', content: r.input },
      ];
    case 'translate':
      return [{ role: 'user', content: translatePrompt(r.input, r.lang === 'es-en' ? 'en' : 'es', variant) }];
    case 'sentiment':
      return [{ role: 'user', content: sentimentPrompt(r.input, variant) }];
    case 'summary':
      return [{ role: 'user', content: summaryPrompt(r.input, variant) }];
    case 'description':
      throw new InvalidArgumentError('corpus.prompts', 'task', 'descriptions are plain documents with no prompt; score them by perplexity');
  }
}

/** The training text of a record: the full chat, or the document followed by <|endoftext|>. */
export function renderTrainingText(r: PromptFields & Pick<CorpusRecord, 'output'>, variant = 0): string {
  if (r.task === 'description') return `${r.output}${END_OF_TEXT}`;
  return renderChatML([...promptMessages(r, variant), { role: 'assistant', content: r.output }]);
}

/** The inference prompt for a record with the canonical wording: everything up to `<|im_start|>assistant\n`. */
export function buildPrompt(r: PromptFields): string {
  return renderGenerationPrompt(promptMessages(r, 0));
}

/** Reads a sentiment label from a model's answer (first word, case and punctuation ignored); null if none. */
export function parseSentiment(answer: string): Sentiment | null {
  const m = /^[\s"'`*]*([A-Za-z]+)/.exec(answer);
  const w = m?.[1]?.toLowerCase();
  return w === 'positive' || w === 'negative' || w === 'neutral' ? w : null;
}
