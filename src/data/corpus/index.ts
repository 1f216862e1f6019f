/**
 * The built-in corpus: a seeded generator of a fictional outdoor-gear shop's
 * world and five tasks over it (descriptions, support chats, EN<->ES
 * translation, review sentiment, one-line summaries), with held-out test
 * entities and templates, the canonical ChatML prompts, and readers.
 */
export { Rng } from './rng.js';
export {
  TASKS, SPLITS, SENTIMENTS,
  type TaskName, type SplitName, type Sentiment, type Lang, type CorpusRecord,
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
export { buildWorld, type World, type Product } from './world.js';
export { SHOP, POLICIES } from './policies.js';
export { checkSpanishAgreement, type AgreementReport } from './agreement.js';
