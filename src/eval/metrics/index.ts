/** Scoring functions for evaluation harnesses: chrF, accuracy, and support-answer fact checks. */
export { chrfStatistics, chrfFromStatistics, corpusChrF, sentenceChrF, type ChrfOptions } from './chrf.js';
export { accuracy } from './accuracy.js';
export { factTokens, factMatch, factRecall, allFactsStated } from './fact-recall.js';
