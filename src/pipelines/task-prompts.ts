/**
 * How each task is asked. The built-in model is asked exactly as it was
 * trained (the corpus's canonical prompts); any other model gets a plain
 * instruction in its own chat template.
 */
import { sentimentPrompt, summaryPrompt, translatePrompt } from '../data/corpus/prompts.js';
import { UnsupportedError } from '../errors.js';
import type { ModelInfo } from '../serve/engine.js';
import type { ChatMessage } from './chat-template.js';

export interface TaskPrompts {
  readonly name: 'built-in' | 'generic';
  /** Turns that ask for a translation from `source` to `target` (language codes). */
  translate(text: string, source: string, target: string): ChatMessage[];
  /** Turns that ask which of `labels` fits the review. */
  sentiment(text: string, labels: readonly string[]): ChatMessage[];
  summarize(text: string): ChatMessage[];
}

const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** 'es' -> 'Spanish', 'pt-BR' -> 'Brazilian Portuguese'; unknown codes stay as they are. */
export function languageName(code: string): string {
  try {
    return names.of(code.replace('_', '-')) ?? code;
  } catch {
    return code;
  }
}

function listOr(labels: readonly string[]): string {
  return labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
}

export const genericPrompts: TaskPrompts = {
  name: 'generic',
  translate: (text, source, target) => [
    { role: 'user', content: `Translate the following text from ${languageName(source)} to ${languageName(target)}. Reply with the translation only.\n\n${text}` },
  ],
  sentiment: (text, labels) => [
    { role: 'user', content: `What is the sentiment of this review? Answer with one word: ${listOr(labels)}.\n\nReview: ${text}` },
  ],
  summarize: (text) => [{ role: 'user', content: `Summarize the following text in one sentence. Reply with the summary only.\n\n${text}` }],
};

/** The built-in model's sentiment labels, the answers it was trained to give. */
export const BUILTIN_SENTIMENT_LABELS = ['positive', 'negative', 'neutral'] as const;

function baseLang(code: string): string {
  return code.toLowerCase().split(/[-_]/)[0]!;
}

/** The built-in model's canonical prompts, from the corpus's prompt builders. */
function builtinPrompts(corpus: {
  translatePrompt(text: string, target: 'es' | 'en'): string;
  sentimentPrompt(review: string): string;
  summaryPrompt(text: string): string;
}): TaskPrompts {
  return {
    name: 'built-in',
    translate(text, source, target) {
      const s = baseLang(source);
      const t = baseLang(target);
      if (!((s === 'en' && t === 'es') || (s === 'es' && t === 'en'))) {
        throw new UnsupportedError('translate', `the built-in model translates English to Spanish and Spanish to English only, not ${source} to ${target}`);
      }
      return [{ role: 'user', content: corpus.translatePrompt(text, t) }];
    },
    sentiment(text, labels) {
      const canonical = labels.length === 3 && BUILTIN_SENTIMENT_LABELS.every((l) => labels.includes(l));
      // The trained prompt implies its own three labels; other label sets get the generic wording.
      return canonical ? [{ role: 'user', content: corpus.sentimentPrompt(text) }] : genericPrompts.sentiment(text, labels);
    },
    summarize: (text) => [{ role: 'user', content: corpus.summaryPrompt(text) }],
  };
}

const builtin = builtinPrompts({ translatePrompt, sentimentPrompt, summaryPrompt });

/** The prompts to ask `info`'s model with: the built-in model's trained ones, or generic instructions. */
export function promptsFor(info: ModelInfo): TaskPrompts {
  return info.builtIn ? builtin : genericPrompts;
}
