/**
 * Added and special tokens: strings that are never split by the model. The
 * splitter finds them in the input (leftmost, longest first) and leaves the
 * text between them to the normal pipeline. Special tokens are matched only
 * when the caller asks (`parseSpecial`), as llama.cpp does; other added tokens
 * are always matched, as Hugging Face does.
 */
export interface AddedToken {
  id: number;
  content: string;
  special: boolean;
  /** Also take the whitespace on the left / right of the token. */
  lstrip?: boolean;
  rstrip?: boolean;
  /** Match only where the token is not inside a word. */
  singleWord?: boolean;
  /** Hugging Face's flag: match against normalized text (kept for round trips). */
  normalized?: boolean;
}

/** One part of the input: text for the pipeline, or an added token's id. */
export type Part = { text: string } | { id: number };

export class AddedTokenSplitter {
  private readonly withSpecial: RegExp | undefined;
  private readonly withoutSpecial: RegExp | undefined;
  private readonly byContent = new Map<string, AddedToken>();

  constructor(readonly tokens: readonly AddedToken[]) {
    for (const t of tokens) this.byContent.set(t.content, t);
    this.withSpecial = build(tokens);
    this.withoutSpecial = build(tokens.filter((t) => !t.special));
  }

  /** Splits `text` around the added tokens; `parseSpecial` decides whether special ones count. */
  split(text: string, parseSpecial: boolean): Part[] {
    const re = parseSpecial ? this.withSpecial : this.withoutSpecial;
    if (!re) return [{ text }];
    const parts: Part[] = [];
    let last = 0;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const tok = this.byContent.get(m[0])!;
      let start = m.index;
      let end = start + m[0].length;
      if (tok.singleWord && (isWordChar(text, start - 1) || isWordChar(text, end))) {
        re.lastIndex = start + 1;
        continue;
      }
      if (tok.lstrip) while (start > last && /\s/u.test(text[start - 1]!)) start--;
      if (tok.rstrip) while (end < text.length && /\s/u.test(text[end]!)) end++;
      if (start > last) parts.push({ text: text.slice(last, start) });
      parts.push({ id: tok.id });
      last = end;
      re.lastIndex = end;
    }
    if (last < text.length) parts.push({ text: text.slice(last) });
    return parts;
  }
}

function build(tokens: readonly AddedToken[]): RegExp | undefined {
  const contents = [...new Set(tokens.map((t) => t.content).filter((c) => c.length > 0))];
  if (contents.length === 0) return undefined;
  // Longest first: JavaScript alternation takes the first alternative that matches.
  contents.sort((a, b) => b.length - a.length);
  return new RegExp(contents.map(escapeRegExp).join('|'), 'gu');
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function isWordChar(text: string, i: number): boolean {
  return i >= 0 && i < text.length && /[\p{L}\p{N}_]/u.test(text[i]!);
}
