#!/usr/bin/env node
// Packages a finished built-in training run as the shipped default model:
//   node scripts/package-builtin.mjs RUN_DIR OUT_DIR
// Copies RUN_DIR/model (the Hugging Face folder lmkit train wrote), then marks
// the chat format: ChatML template, <|im_end|> ends a turn, both end markers
// stop generation (as Qwen2's configs do), no BOS. EOS stays <|endoftext|>, the
// document separator training used, so perplexity joins documents as training did. Writes atomically: the
// folder is built beside OUT_DIR and renamed over it.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const [runDir, outDir] = process.argv.slice(2);
if (!runDir || !outDir) {
  console.error('usage: node scripts/package-builtin.mjs RUN_DIR OUT_DIR');
  process.exit(2);
}
const src = join(runDir, 'model');
if (!existsSync(join(src, 'config.json'))) {
  console.error(`package-builtin: ${src} has no config.json; is the run finished?`);
  process.exit(1);
}
const out = resolve(outDir);
const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
rmSync(tmp, { recursive: true, force: true });
mkdirSync(dirname(out), { recursive: true });
cpSync(src, tmp, { recursive: true });

const tokJson = JSON.parse(readFileSync(join(tmp, 'tokenizer.json'), 'utf8'));
const idOf = (content) => {
  const t = tokJson.added_tokens.find((a) => a.content === content);
  if (!t) throw new Error(`package-builtin: the tokenizer has no ${content} token`);
  return t.id;
};
const chatTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const tokenizerConfig = {
  add_bos_token: false,
  bos_token: null,
  eos_token: '<|endoftext|>',
  pad_token: '<|endoftext|>',
  additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
  chat_template: chatTemplate,
  model_max_length: JSON.parse(readFileSync(join(tmp, 'config.json'), 'utf8')).max_position_embeddings,
  tokenizer_class: 'PreTrainedTokenizerFast',
};
writeFileSync(join(tmp, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');

const genPath = join(tmp, 'generation_config.json');
const gen = existsSync(genPath) ? JSON.parse(readFileSync(genPath, 'utf8')) : {};
gen.eos_token_id = [idOf('<|im_end|>'), idOf('<|endoftext|>')];
gen.pad_token_id = idOf('<|endoftext|>');
delete gen.bos_token_id;
writeFileSync(genPath, JSON.stringify(gen, null, 2) + '\n');

rmSync(out, { recursive: true, force: true });
renameSync(tmp, out);
console.log(`packaged ${src} -> ${out}`);
