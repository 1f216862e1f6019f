import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../errors.js';
import { generateCorpus } from './generate.js';
import {
  END_OF_TEXT, TASK_PROMPTS, buildPrompt, parseSentiment, renderChatML, renderGenerationPrompt, renderTrainingText,
  sentimentPrompt, summaryPrompt, translatePrompt,
} from './prompts.js';

test('ChatML turns and the generation prompt', () => {
  const msgs = [
    { role: 'system', content: 'S' },
    { role: 'user', content: 'U' },
  ] as const;
  assert.equal(renderChatML(msgs), '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n');
  assert.equal(renderGenerationPrompt(msgs), '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n');
});

test('canonical task prompts', () => {
  assert.equal(translatePrompt('Hola.', 'en'), 'Translate to English: Hola.');
  assert.equal(translatePrompt('Hello.', 'es'), 'Translate to Spanish: Hello.');
  assert.equal(sentimentPrompt('Great tent.'), 'What is the sentiment of this review? Great tent.');
  assert.equal(summaryPrompt('Long text.'), 'Summarize in one line: Long text.');
  assert.throws(() => summaryPrompt('x', 9), InvalidArgumentError);
});

test('a record renders as its prompt followed by the answer; descriptions as documents', () => {
  const c = generateCorpus({ seed: 3, scale: 0.01 });
  for (const r of [...c.splits.train, ...c.splits.test]) {
    if (r.task === 'description') {
      assert.equal(r.text, `${r.output}${END_OF_TEXT}`);
      assert.throws(() => buildPrompt(r), /plain documents/);
      continue;
    }
    if (r.variant === 0) assert.equal(r.text, `${buildPrompt(r)}${r.output}<|im_end|>\n`);
    else {
      assert.equal(r.text, renderTrainingText(r, r.variant));
      assert.ok(!r.text.includes(buildPrompt(r)));
    }
  }
  // Paraphrases are prompts of the same task, each with the text slot.
  for (const list of Object.values(TASK_PROMPTS)) for (const p of list) assert.ok(p.includes('{text}'));
});

test('parseSentiment reads the first word of an answer', () => {
  assert.equal(parseSentiment('positive'), 'positive');
  assert.equal(parseSentiment(' Negative.'), 'negative');
  assert.equal(parseSentiment('"neutral" I think'), 'neutral');
  assert.equal(parseSentiment('It is positive'), null);
  assert.equal(parseSentiment(''), null);
});
