import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { StopMatcher } from './stop.js';

test('text that cannot begin a stop string is released at once; a possible start is held', () => {
  const m = new StopMatcher(['END']);
  assert.deepEqual(m.push('hello '), { text: 'hello ', stopped: false });
  assert.deepEqual(m.push('wE'), { text: 'w', stopped: false });
  assert.equal(m.pending, 'E');
  assert.deepEqual(m.push('N'), { text: '', stopped: false });
  assert.deepEqual(m.push('x'), { text: 'ENx', stopped: false });
  assert.deepEqual(m.push('E'), { text: '', stopped: false });
  assert.deepEqual(m.push('ND tail'), { text: '', stopped: true });
});

test('a stop string split over many pieces is found and never emitted; the earliest of several wins', () => {
  const m = new StopMatcher(['\n\n', 'Question:']);
  let out = '';
  let stopped = false;
  for (const p of ['Answer: 4', '2.', ' Ques', 'tion', ':', ' more']) {
    const r = m.push(p);
    out += r.text;
    if (r.stopped) {
      stopped = true;
      break;
    }
  }
  assert.equal(stopped, true);
  assert.equal(out, 'Answer: 42. ');
});

test('flush releases held text when the sequence ends for another reason', () => {
  const m = new StopMatcher('STOP');
  assert.equal(m.push('abcST').text, 'abc');
  assert.equal(m.flush(), 'ST');
});

test('random texts split at random points: output equals the text cut before the first stop', () => {
  const rng = new Rng(11);
  const alphabet = 'ab\n';
  for (let trial = 0; trial < 300; trial++) {
    const text = Array.from({ length: 5 + rng.int(30) }, () => alphabet[rng.int(3)]).join('');
    const stops = Array.from({ length: 1 + rng.int(2) }, () => Array.from({ length: 1 + rng.int(3) }, () => alphabet[rng.int(3)]).join(''));
    let first = -1;
    for (const s of stops) {
      const i = text.indexOf(s);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    }
    const m = new StopMatcher(stops);
    let out = '';
    let stopped = false;
    for (let i = 0; i < text.length && !stopped; ) {
      const n = 1 + rng.int(4);
      const r = m.push(text.slice(i, i + n));
      out += r.text;
      stopped = r.stopped;
      i += n;
    }
    if (!stopped) out += m.flush();
    assert.equal(stopped, first >= 0, `trial ${trial}`);
    assert.equal(out, first >= 0 ? text.slice(0, first) : text, `trial ${trial}: ${JSON.stringify({ text, stops })}`);
  }
});

test('empty stop strings are rejected', () => {
  assert.throws(() => new StopMatcher(['ok', '']), (e: unknown) => e instanceof InvalidArgumentError && e.message === '[generate] stop: stop strings must be non-empty strings');
});
