/**
 * Stop strings over streamed text.
 *
 * Text arrives in pieces (whatever the detokenizer completed), and a stop
 * string may straddle pieces. The matcher releases text as soon as it can no
 * longer be part of a stop string and holds back only the longest tail that is
 * still a prefix of one. A stop string therefore never starts inside released
 * text, and it is never emitted: when one appears, the text before it is
 * released and the sequence ends.
 */
import { InvalidArgumentError } from '../errors.js';

export interface StopResult {
  /** Text now final (safe to emit). */
  readonly text: string;
  /** True when a stop string was found; `text` ends just before it. */
  readonly stopped: boolean;
}

export class StopMatcher {
  private held = '';
  private readonly stops: readonly string[];

  constructor(stop: string | readonly string[] | undefined) {
    const list = stop === undefined ? [] : typeof stop === 'string' ? [stop] : [...stop];
    for (const s of list) {
      if (typeof s !== 'string' || s.length === 0) throw new InvalidArgumentError('generate', 'stop', 'stop strings must be non-empty strings');
    }
    this.stops = list;
  }

  get active(): boolean {
    return this.stops.length > 0;
  }

  /** Text held back because it could still begin a stop string. */
  get pending(): string {
    return this.held;
  }

  push(text: string): StopResult {
    if (this.stops.length === 0) return { text, stopped: false };
    const buf = this.held + text;
    let at = -1;
    for (const s of this.stops) {
      const i = buf.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      this.held = '';
      return { text: buf.slice(0, at), stopped: true };
    }
    const keep = this.longestStopPrefixSuffix(buf);
    this.held = buf.slice(buf.length - keep);
    return { text: buf.slice(0, buf.length - keep), stopped: false };
  }

  /** Releases what is held (the sequence ended for another reason). */
  flush(): string {
    const t = this.held;
    this.held = '';
    return t;
  }

  /** Length of the longest suffix of buf that is a proper prefix of some stop string. */
  private longestStopPrefixSuffix(buf: string): number {
    let best = 0;
    for (const s of this.stops) {
      const max = Math.min(s.length - 1, buf.length);
      for (let k = max; k > best; k--) {
        if (buf.endsWith(s.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
