/**
 * `lmkit chat`: an interactive chat in the terminal, the answer streamed as it
 * is generated, the conversation kept as history. Runs the model in this
 * process, or talks to a running server with --url. When stdin is not a
 * terminal, each input line is one user message (scripts, tests).
 */
import { createInterface } from 'node:readline';
import { LmkitError } from '../../errors.js';
import type { ChatMessage } from '../../pipelines/chat-template.js';
import { numberFlag, parseFlags, writeLine, type CliIo, type Command } from '../command.js';

const usage = `lmkit chat [flags]

Chats with a model in the terminal; answers stream as they are generated and
the conversation is kept. Commands: /reset (forget the conversation),
/system TEXT (set the system prompt), /exit. Ctrl-C stops an answer; Ctrl-D
leaves. When stdin is not a terminal, each line is one message.

Flags:
  --model M          model folder, GGUF file, registered name or 'default' (default: default)
  --url URL          chat with a running 'lmkit serve' instead
  --api-key KEY      the server's API key (default: $LMKIT_API_KEY)
  --system TEXT      system prompt
  --temperature T    sampling temperature (default 0.7)
  --top-p P          nucleus sampling mass (default 1)
  --max-tokens N     longest answer (default 512)
  --seed N           seed for reproducible answers`;

interface Sampling {
  temperature: number;
  topP: number;
  maxTokens: number;
  seed?: number;
}

/** Streams one answer's text pieces. */
type Reply = (messages: readonly ChatMessage[], s: Sampling, signal: AbortSignal) => AsyncIterable<string>;

async function localReply(model: string, io: CliIo): Promise<{ reply: Reply; close(): Promise<void>; name: string }> {
  const [{ openEngine }, { settingsFromEnv }, { ChatPipeline }] = await Promise.all([import('../../serve/open-engine.js'), import('../env.js'), import('../../pipelines/chat.js')]);
  const s = settingsFromEnv(io.env);
  const engine = await openEngine(model, { backend: s.backend, ...(s.threads !== undefined ? { threads: s.threads } : {}), home: s.home, cacheDir: s.cacheDir, warn: (m) => io.stderr.write(m + '\n') });
  const chat = new ChatPipeline(engine);
  return {
    name: engine.info.id,
    reply: (messages, x, signal) => chat.stream(messages, { maxTokens: x.maxTokens, sampling: { temperature: x.temperature, topP: x.topP, ...(x.seed !== undefined ? { seed: x.seed } : {}) }, signal }),
    close: () => engine.close(),
  };
}

function remoteReply(url: string, apiKey: string | undefined, model: string | undefined): { reply: Reply; close(): Promise<void>; name: string } {
  const base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  return {
    name: model ?? base,
    async *reply(messages, x, signal) {
      const { sseJson } = await import('../../client/sse.js');
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ ...(model ? { model } : {}), messages, stream: true, temperature: x.temperature, top_p: x.topP, max_tokens: x.maxTokens, ...(x.seed !== undefined ? { seed: x.seed } : {}) }),
        signal,
      });
      if (!res.ok || !res.body) {
        const e = ((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error;
        throw new LmkitError('io', `[chat] ${base} answered ${res.status}: ${e?.message ?? res.statusText}`);
      }
      for await (const ev of sseJson<{ error?: { message: string }; choices?: { delta?: { content?: string } }[] }>(res.body)) {
        if (ev.error) throw new LmkitError('io', `[chat] ${ev.error.message}`);
        const piece = ev.choices?.[0]?.delta?.content;
        if (piece) yield piece;
      }
    },
    close: async () => undefined,
  };
}

const command: Command = {
  summary: 'chat with a model in the terminal (streaming, with history)',
  usage,
  async run(argv, io) {
    const { values } = parseFlags('chat', {
      args: argv,
      options: {
        model: { type: 'string' },
        url: { type: 'string' },
        'api-key': { type: 'string' },
        system: { type: 'string' },
        temperature: { type: 'string' },
        'top-p': { type: 'string' },
        'max-tokens': { type: 'string' },
        seed: { type: 'string' },
      },
    });
    const sampling: Sampling = {
      temperature: numberFlag('chat', 'temperature', values.temperature, { min: 0, max: 2 }) ?? 0.7,
      topP: numberFlag('chat', 'top-p', values['top-p'], { min: 0.01, max: 1 }) ?? 1,
      maxTokens: numberFlag('chat', 'max-tokens', values['max-tokens'], { integer: true, min: 1 }) ?? 512,
    };
    const seed = numberFlag('chat', 'seed', values.seed, { integer: true });
    if (seed !== undefined) sampling.seed = seed;
    const backend = values.url ? remoteReply(values.url, values['api-key'] ?? io.env.LMKIT_API_KEY, values.model) : await localReply(values.model ?? 'default', io);
    const tty = (io.stdin as { isTTY?: boolean }).isTTY === true;
    let system = values.system ?? '';
    let history: ChatMessage[] = [];
    let current: AbortController | null = null;
    const rl = createInterface({ input: io.stdin, output: tty ? io.stdout : undefined, terminal: tty });
    rl.on('SIGINT', () => {
      if (current) current.abort();
      else rl.close();
    });
    if (tty) io.stderr.write(`lmkit chat with ${backend.name}; /reset, /system TEXT, /exit\n`);
    const ask = () => tty && rl.prompt();
    rl.setPrompt('> ');
    ask();
    try {
      for await (const raw of rl) {
        const line = raw.trim();
        if (line === '') {
          ask();
          continue;
        }
        if (line === '/exit' || line === '/quit') break;
        if (line === '/reset') {
          history = [];
          io.stderr.write('(conversation cleared)\n');
          ask();
          continue;
        }
        if (line.startsWith('/system')) {
          system = line.slice('/system'.length).trim();
          io.stderr.write(system ? '(system prompt set)\n' : '(system prompt cleared)\n');
          ask();
          continue;
        }
        if (line.startsWith('/')) {
          io.stderr.write(`unknown command '${line.split(' ')[0]}'; use /reset, /system TEXT or /exit\n`);
          ask();
          continue;
        }
        history.push({ role: 'user', content: line });
        const messages: ChatMessage[] = system ? [{ role: 'system', content: system }, ...history] : history;
        current = new AbortController();
        let answer = '';
        try {
          for await (const piece of backend.reply(messages, sampling, current.signal)) {
            answer += piece;
            io.stdout.write(piece);
          }
        } finally {
          current = null;
        }
        writeLine(io.stdout, '');
        history.push({ role: 'assistant', content: answer });
        ask();
      }
    } finally {
      rl.close();
      await backend.close();
    }
    return 0;
  },
};
export default command;
