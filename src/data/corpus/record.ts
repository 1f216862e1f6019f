/** The record every task produces: one line of `{split}.jsonl`. */

export const TASKS = ['description', 'support', 'translate', 'sentiment', 'summary'] as const;
export type TaskName = (typeof TASKS)[number];

export const SPLITS = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

export const SENTIMENTS = ['positive', 'negative', 'neutral'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

/** Language of a record: one language, or the direction of a translation. */
export type Lang = 'en' | 'es' | 'en-es' | 'es-en';

export interface CorpusRecord {
  readonly task: TaskName;
  readonly split: SplitName;
  /**
   * The task's input, without prompt wording: the sentence to translate, the
   * review, the ticket, the customer's question; for descriptions, the product's name.
   */
  readonly input: string;
  /** The expected assistant answer (for descriptions: the document). */
  readonly output: string;
  readonly label?: Sentiment;
  /** Support: the facts the answer must contain, as written in the catalog or policies. */
  readonly facts?: readonly string[];
  readonly lang: Lang;
  /** Support: catalog cards appended to the system prompt (absent for policy questions). */
  readonly context?: string;
  /** Finer task kind: 'product:price', 'policy:returns', 'review', 'ticket', ... */
  readonly kind: string;
  /** Id of the surface template that produced the input (held-out ones appear in test only). */
  readonly template: string;
  /** Which paraphrase of the task prompt the training text uses; 0 is the canonical prompt. */
  readonly variant: number;
  /** Held-out entities and templates this record uses: 'brand:X', 'model:X', 'name:X', 'pair:cat/color', 'template:id'. */
  readonly holdout: readonly string[];
  /** The rendered training text (ChatML, or a plain document ending in <|endoftext|>). */
  readonly text: string;
}

/** A record before rendering: what a task generator returns. */
export type DraftRecord = Omit<CorpusRecord, 'split' | 'variant' | 'holdout' | 'text'>;
