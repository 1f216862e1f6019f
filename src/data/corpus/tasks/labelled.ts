/**
 * The two tasks built on reviews and tickets: sentiment classification
 * (English and Spanish reviews) and one-line summaries (English reviews and
 * tickets).
 */
import type { DraftRecord, Sentiment } from '../record.js';
import type { Scope } from '../scope.js';
import { drawReview, renderReview, renderReviewEn, reviewLabel, reviewSummary } from './review.js';
import { drawTicket, renderTicket, ticketSummary } from './ticket.js';

/** Share of sentiment reviews written in Spanish. */
const SPANISH_SHARE = 0.2;
/** Target label mix: the draw is steered towards it, the label always comes from the meaning. */
const LABEL_MIX: readonly (readonly [Sentiment, number])[] = [['positive', 0.36], ['negative', 0.36], ['neutral', 0.28]];

export function generateSentiment(scope: Scope): DraftRecord {
  const lang = scope.rng.chance(SPANISH_SHARE) ? 'es' : 'en';
  const m = drawReview(scope, lang, scope.rng.weighted(LABEL_MIX));
  const label = reviewLabel(m);
  return { task: 'sentiment', input: renderReview(m, scope), output: label, label, lang, kind: `sentiment:${lang}`, template: m.clause.id };
}

/** Share of summaries that summarize a review (the rest summarize tickets). */
const REVIEW_SHARE = 0.5;

export function generateSummary(scope: Scope): DraftRecord {
  if (scope.rng.chance(REVIEW_SHARE)) {
    const m = drawReview(scope, 'en', scope.rng.weighted(LABEL_MIX));
    return { task: 'summary', input: renderReviewEn(m, scope), output: reviewSummary(m), label: reviewLabel(m), lang: 'en', kind: 'summary:review', template: m.clause.id };
  }
  const t = drawTicket(scope);
  return { task: 'summary', input: renderTicket(t), output: ticketSummary(t), lang: 'en', kind: 'summary:ticket', template: t.template.id };
}
