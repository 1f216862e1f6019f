/**
 * `lmkit tokenize --tokenizer PATH [--json | --jsonl] [--add-special] [--parse-special]`
 *
 * Reads text on stdin and prints its token ids. As in llama.cpp's tokenizer
 * tests, no special tokens are added and special-token text is encoded as
 * plain text unless --add-special / --parse-special say otherwise.
 */
import { parseFlags, writeLine, type Command } from '../command.js';
import { InvalidArgumentError, UsageError } from '../../errors.js';
import { Tokenizer } from '../../tokenizers/tokenizer.js';

const usage = `lmkit tokenize --tokenizer PATH [--json | --jsonl] [--add-special] [--parse-special]

Reads UTF-8 text on stdin and prints its token ids.

  --tokenizer PATH   a folder (tokenizer.json, tokenizer.model, vocab.json + merges.txt),
                     or a file: tokenizer.json, .model (SentencePiece), .tiktoken, .gguf
  (default)          the ids of all of stdin, space-separated, on one line
  --json             the ids of all of stdin as one JSON array
  --jsonl            each input line is a JSON string; prints one JSON array of ids per line
  --add-special      add the model's special tokens (BOS, [CLS] ... [SEP])
  --parse-special    recognize special-token text such as <|endoftext|> in the input`;

async function readStdinBytes(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

/** Decodes stdin strictly: invalid UTF-8 is an error with the byte offset, not silent U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InvalidArgumentError('tokenize', what, `is not valid UTF-8 (bad byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at})`);
  }
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    const d = new TextDecoder('utf-8', { fatal: true });
    try {
      d.decode(b.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n;
  }
  return b.length;
}

const command: Command = {
  summary: 'print the token ids of text on stdin (any tokenizer format)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseFlags('tokenize', {
      args: argv,
      allowPositionals: true,
      options: {
        tokenizer: { type: 'string', short: 't' },
        json: { type: 'boolean' },
        jsonl: { type: 'boolean' },
        'add-special': { type: 'boolean' },
        'parse-special': { type: 'boolean' },
      },
    });
    if (positionals.length > 0) throw new UsageError('tokenize', `unexpected argument '${positionals[0]}'; text is read from stdin`);
    if (!values.tokenizer) throw new UsageError('tokenize', '--tokenizer PATH is required');
    if (values.json && values.jsonl) throw new UsageError('tokenize', '--json and --jsonl cannot be combined');
    const tok = await Tokenizer.load(values.tokenizer);
    const opts = { addSpecial: values['add-special'] ?? false, parseSpecial: values['parse-special'] ?? false };
    const text = decodeUtf8(await readStdinBytes(io.stdin), 'stdin');
    if (values.jsonl) {
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.replace(/\r$/, '');
        if (line.trim() === '') continue;
        let s: unknown;
        try {
          s = JSON.parse(line);
        } catch {
          throw new InvalidArgumentError('tokenize', `stdin line ${i + 1}`, 'with --jsonl each line must be a JSON string, e.g. "Hello world"');
        }
        if (typeof s !== 'string') throw new InvalidArgumentError('tokenize', `stdin line ${i + 1}`, `with --jsonl each line must be a JSON string, got ${Array.isArray(s) ? 'an array' : typeof s}`);
        writeLine(io.stdout, JSON.stringify(tok.encode(s, opts)));
      }
      return 0;
    }
    const ids = tok.encode(text, opts);
    writeLine(io.stdout, values.json ? JSON.stringify(ids) : ids.join(' '));
    return 0;
  },
};
export default command;
