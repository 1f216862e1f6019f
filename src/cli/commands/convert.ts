/**
 * `lmkit convert IN OUT [--dtype T]`: a model between Hugging Face folders,
 * GGUF files and hub references, with its tokenizer.
 */
import { statSync } from 'node:fs';
import type { Command, CliIo } from '../command.js';
import { parseFlags, writeLine } from '../command.js';
import { ConfigError, UsageError } from '../../errors.js';
import { runtimeFromEnv, settingsFromEnv } from '../env.js';
import { convertModel, type ConvertDType } from '../../models/convert.js';
import { GGUF_SAVE_DTYPES } from '../../models/gguf/save.js';

const usage = `lmkit convert IN OUT [flags]

Converts a model. IN is a Hugging Face model folder, a .gguf file or an
hf:ORG/NAME[@REVISION][:FILE] reference (downloaded into LMKIT_CACHE). OUT
ending in .gguf writes a GGUF file llama.cpp runs (llama, qwen2 or gpt2
architecture, tokenizer embedded); any other OUT is written as a Hugging Face
folder (config.json, model.safetensors, generation_config.json, tokenizer).

Flags:
  --dtype T   weight type: ${GGUF_SAVE_DTYPES.join(', ')}
              (GGUF: norms, biases and position embeddings stay f32, as
              llama.cpp's converter does; HF folders take f32, f16 or bf16).
              Default: as stored (f32 for quantized weights written to HF).
  --json      print one JSON object: {input, inputKind, output, format, dtype,
              architecture, modelType, tokenizer, bytes, warnings}
  --offline   resolve hf: references from the cache only`;

const command: Command = {
  summary: 'convert a model between Hugging Face folders and GGUF (f32/f16/bf16/q8_0/q4_0...)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseFlags('convert', {
      args: argv,
      allowPositionals: true,
      options: { dtype: { type: 'string' }, json: { type: 'boolean' }, offline: { type: 'boolean' } },
    });
    if (positionals.length !== 2) throw new UsageError('convert', `expected IN and OUT, got ${positionals.length} argument(s); see lmkit convert --help`);
    const [input, output] = positionals as [string, string];
    const dtype = values.dtype as ConvertDType | undefined;
    if (dtype !== undefined && !GGUF_SAVE_DTYPES.includes(dtype)) throw new UsageError('convert', `--dtype must be one of ${GGUF_SAVE_DTYPES.join(', ')}, got '${dtype}'`);
    const s = settingsFromEnv(io.env);
    const rt = runtimeFromEnv(io);
    let r: Awaited<ReturnType<typeof convertModel>>;
    try {
      r = await convertModel(input, output, {
        rt,
        ...(dtype ? { dtype } : {}),
        hub: { cacheDir: s.cacheDir, endpoint: s.hfEndpoint, ...(s.hfToken ? { token: s.hfToken } : {}), offline: values.offline ?? false },
      });
    } catch (e) {
      // A config error lists its issues on several lines; the CLI reports one line.
      if (!(e instanceof ConfigError)) throw e;
      writeLine(io.stderr, `lmkit: [${e.source}] invalid config: ${e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      return 1;
    }
    const cfg = r.config as { architecture: string; modelType?: string; numLayers: number; hiddenSize: number; vocabSize: number };
    const bytes = r.output.format === 'gguf' ? statSync(output).size : null;
    if (values.json) {
      writeLine(
        io.stdout,
        JSON.stringify({
          input: r.input.path,
          inputKind: r.input.kind,
          output,
          format: r.output.format,
          dtype: dtype ?? null,
          architecture: cfg.architecture,
          modelType: cfg.modelType ?? cfg.architecture,
          tokenizer: r.tokenizer,
          bytes,
          warnings: r.warnings,
        }),
      );
      return 0;
    }
    for (const w of r.warnings) writeLine(io.stderr, `lmkit: warning: ${w}`);
    const what = `${cfg.modelType ?? cfg.architecture}, ${cfg.numLayers} layers, hidden ${cfg.hiddenSize}, vocab ${cfg.vocabSize}`;
    const where = r.output.format === 'gguf' ? `GGUF${dtype ? ` ${dtype}` : ''}, ${bytes} bytes` : `Hugging Face folder${dtype ? ` (${dtype})` : ''}`;
    writeLine(io.stdout, `${r.input.path} -> ${output} (${where}; ${what}${r.tokenizer ? '; with tokenizer' : '; no tokenizer'})`);
    return 0;
  },
};

export default command;
