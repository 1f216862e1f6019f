/**
 * Stop strings over streamed text.
 *
 * Text arrives in pieces (one per token). Generation must end before the
 * first occurrence of any stop string, and the stop string must never reach
 * the client, even when it spans several tokens. So the matcher holds back
 * the longest tail of the text that could still grow into a stop string, and
 * releases it once it cannot (or at the end, when generation stops for
 * another reason).
 */
export class StopMatcher {
  private held = '';
  private readonly stops: readonly string[];

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  /**
   * Adds text; returns what may be emitted now and whether a stop string was
   * found (generation ends). `tail` is the stop string and whatever followed it.
   */
  push(piece: string): { text: string; stopped: boolean; tail?: string } {
    const buf = this.held + piece;
    if (this.stops.length === 0) {
      this.held = '';
      return { text: buf, stopped: false };
    }
    let first = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    }
    if (first >= 0) {
      this.held = '';
      return { text: buf.slice(0, first), stopped: true, tail: buf.slice(first) };
    }
    const keep = this.partialTail(buf);
    this.held = buf.slice(buf.length - keep);
    return { text: buf.slice(0, buf.length - keep), stopped: false };
  }

  /** What is still held back (generation ended without completing a stop string). */
  flush(): string {
    const t = this.held;
    this.held = '';
    return t;
  }

  /** Length of the longest suffix of buf that is a proper prefix of some stop string. */
  private partialTail(buf: string): number {
    let best = 0;
    for (const s of this.stops) {
      const max = Math.min(s.length - 1, buf.length);
      for (let n = max; n > best; n--) {
        if (buf.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
