/**
 * The built-in corpus: a seeded generator of a fictional outdoor-gear shop's
 * world and five tasks over it (descriptions, support chats, EN<->ES
 * translation, review sentiment, one-line summaries), with held-out test
 * entities and templates, the canonical ChatML prompts, and readers.
 */
export {
  TASKS as CORPUS_TASKS, SPLITS as CORPUS_SPLITS, SENTIMENTS,
  type TaskName as CorpusTask, type SplitName as CorpusSplit, type Sentiment, type Lang as CorpusLang, type CorpusRecord,
} from './record.js';
export {
  END_OF_TEXT, IM_START, IM_END, SPECIAL_TOKENS, SUPPORT_SYSTEM, TASK_PROMPTS,
  renderChatML, renderGenerationPrompt, supportSystemPrompt, translatePrompt, sentimentPrompt, summaryPrompt,
  promptMessages, renderTrainingText, buildPrompt, parseSentiment,
  type ChatMessage, type ChatRole,
} from './prompts.js';
export {
  generateCorpus, heldOutTemplates, splitCounts, BASE_COUNTS, DEFAULT_SEED, DEFAULT_SCALE,
  type Corpus, type CorpusOptions, type HeldOutTemplate,
} from './generate.js';
export { writeCorpus, splitText, type CorpusManifest, type WriteCorpusOptions } from './write.js';
export { loadSplit, readManifest } from './load.js';
export { buildWorld, type World as CorpusWorld, type Product as CorpusProduct } from './world.js';
export { checkSpanishAgreement, type AgreementReport } from './agreement.js';
