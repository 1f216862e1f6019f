/**
 * `lmkit quantize IN.gguf OUT.gguf --type T`: a GGUF file's matrices in
 * another type (llama-quantize --pure semantics, on src/io's quantizeGguf).
 */
import type { Command, CliIo } from '../command.js';
import { parseFlags, writeLine } from '../command.js';
import { UsageError } from '../../errors.js';
import { LLAMA_FTYPE, quantizeGguf, type GgufTargetType } from '../../io/gguf-quantize.js';
import { resolve } from 'node:path';

const TYPES = Object.keys(LLAMA_FTYPE) as GgufTargetType[];

const usage = `lmkit quantize IN.gguf OUT.gguf --type T [flags]

Writes a copy of a GGUF file with every float matrix whose rows are whole
blocks stored as T (${TYPES.join(', ')}); vectors (norms, biases) and integer
tensors are copied, as llama-quantize --pure does. Metadata is kept and
general.file_type updated. Tensors are converted one at a time.

Flags:
  --type T              target type (required)
  --allow-requantize    re-quantize tensors that are already quantized
                        (default: copy them as they are)
  --json                print one JSON object: {input, output, type, bytesIn,
                        bytesOut, tensors: [{name, from, to}]}`;

const command: Command = {
  summary: 'quantize a GGUF model file (q8_0, q4_0, q4_k, q6_k, f16, bf16, f32)',
  usage,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseFlags('quantize', {
      args: argv,
      allowPositionals: true,
      options: { type: { type: 'string' }, 'allow-requantize': { type: 'boolean' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 2) throw new UsageError('quantize', `expected IN.gguf and OUT.gguf, got ${positionals.length} argument(s); see lmkit quantize --help`);
    const [input, output] = positionals as [string, string];
    const type = values.type as GgufTargetType | undefined;
    if (type === undefined) throw new UsageError('quantize', `--type is required: one of ${TYPES.join(', ')}`);
    if (!TYPES.includes(type)) throw new UsageError('quantize', `--type must be one of ${TYPES.join(', ')}, got '${type}'`);
    if (resolve(input) === resolve(output)) throw new UsageError('quantize', 'OUT must differ from IN');
    const r = await quantizeGguf(input, output, { type, allowRequantize: values['allow-requantize'] ?? false });
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ input, output, type, bytesIn: r.bytesIn, bytesOut: r.bytesOut, tensors: r.tensors }));
      return 0;
    }
    const changed = r.tensors.filter((t) => t.from !== t.to).length;
    const mb = (n: number) => (n / 2 ** 20).toFixed(2);
    writeLine(io.stdout, `${input} -> ${output}: ${changed} of ${r.tensors.length} tensors to ${type}, tensor data ${mb(r.bytesIn)} MiB -> ${mb(r.bytesOut)} MiB (${(r.bytesOut / Math.max(1, r.bytesIn)).toFixed(3)}x)`);
    return 0;
  },
};

export default command;
