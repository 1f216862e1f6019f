/**
 * Constrained decoding: JSON mode and JSON-schema outputs.
 *
 * The token table (each token's bytes and the trie over them) is built once
 * per tokenizer, and compiled grammars are kept per schema text, so repeated
 * requests with one schema reuse its cached masks. Both caches hang off the
 * tokenizer object (a WeakMap), so they go when the tokenizer does.
 */
import type { ResponseFormat, TextTokenizer } from '../types.js';
import type { ConstraintFactory } from './constraint.js';
import { JsonGrammar } from './json-constraint.js';
import { compileSchema, NodeBuilder } from './schema.js';
import { buildTokenTable, type TokenTable } from './token-table.js';

const GRAMMARS_PER_TOKENIZER = 32;

interface TokenizerCache {
  table: TokenTable;
  grammars: Map<string, JsonGrammar>;
}

const caches = new WeakMap<TextTokenizer, TokenizerCache>();

export function tokenTableFor(tok: TextTokenizer): TokenTable {
  return cacheFor(tok).table;
}

function cacheFor(tok: TextTokenizer): TokenizerCache {
  let c = caches.get(tok);
  if (!c) {
    c = { table: buildTokenTable(tok), grammars: new Map() };
    caches.set(tok, c);
  }
  return c;
}

/** The constraint for a response format (undefined for plain text). JSON mode means a JSON object. */
export function constraintFor(tok: TextTokenizer, format: ResponseFormat | undefined): ConstraintFactory | undefined {
  if (!format || format.type === 'text') return undefined;
  const c = cacheFor(tok);
  const key = format.type === 'json' ? 'json' : `schema:${JSON.stringify(format.schema)}`;
  let g = c.grammars.get(key);
  if (g) {
    // Most recently used last.
    c.grammars.delete(key);
  } else {
    const b = new NodeBuilder();
    g = new JsonGrammar(c.table, format.type === 'json' ? b.freeObj() : compileSchema(format.schema, b));
    if (c.grammars.size >= GRAMMARS_PER_TOKENIZER) c.grammars.delete(c.grammars.keys().next().value!);
  }
  c.grammars.set(key, g);
  return g;
}

export type { ConstraintFactory, TokenConstraint } from './constraint.js';
export { JsonGrammar } from './json-constraint.js';
export { compileSchema, NodeBuilder, type GrammarNode } from './schema.js';
export { buildTokenTable, buildTrie, type TokenTable, type TokenTrie } from './token-table.js';
