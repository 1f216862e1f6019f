/**
 * Post-processors of the tokenizer.json format, for one sequence: they add the
 * special tokens a model expects around its input (BOS, [CLS] ... [SEP]).
 */
import { JsonReader, type Json } from './json-util.js';

export interface PostProcessor {
  /** The ids with the special tokens added. */
  process(ids: number[]): number[];
  toJSON(): Json;
}

export function postProcessorFromJSON(j: unknown, r: JsonReader, field = 'post_processor'): PostProcessor | undefined {
  if (j === null || j === undefined) return undefined;
  const o = r.obj(j, field);
  const type = r.str(o.type, `${field}.type`);
  const make = (process: (ids: number[]) => number[]): PostProcessor => ({ process, toJSON: () => o });
  switch (type) {
    case 'TemplateProcessing': {
      const specials = r.obj(o.special_tokens ?? {}, `${field}.special_tokens`);
      const idsOf = (name: string, f: string): number[] => {
        const s = specials[name];
        if (s === undefined) r.fail(f, `special token '${name}' is not in ${field}.special_tokens`);
        const so = r.obj(s, `${field}.special_tokens.${name}`);
        return r.arr(so.ids, `${field}.special_tokens.${name}.ids`).map((x, i) => r.int(x, `${field}.special_tokens.${name}.ids[${i}]`));
      };
      const single = r.arr(o.single, `${field}.single`).map((piece, i) => {
        const f = `${field}.single[${i}]`;
        const p = r.obj(piece, f);
        if (p.SpecialToken) return { ids: idsOf(r.str(r.obj(p.SpecialToken, f).id, `${f}.SpecialToken.id`), f) };
        if (p.Sequence) return { seq: true as const };
        return r.fail(f, 'expected {"SpecialToken": ...} or {"Sequence": ...}');
      });
      return make((ids) => {
        const out: number[] = [];
        for (const p of single) {
          if ('seq' in p) for (const x of ids) out.push(x);
          else for (const x of p.ids) out.push(x);
        }
        return out;
      });
    }
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = r.arr(o.cls, `${field}.cls`);
      const sep = r.arr(o.sep, `${field}.sep`);
      const clsId = r.int(cls[1], `${field}.cls[1]`);
      const sepId = r.int(sep[1], `${field}.sep[1]`);
      return make((ids) => [clsId, ...ids, sepId]);
    }
    case 'ByteLevel':
      return make((ids) => ids);
    case 'Sequence': {
      const list = r.arr(o.processors, `${field}.processors`).map((p, i) => postProcessorFromJSON(p, r, `${field}.processors[${i}]`)!);
      return make((ids) => list.reduce((acc, p) => p.process(acc), ids));
    }
    default:
      return r.fail(`${field}.type`, `unknown post-processor type '${type}'; supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence`);
  }
}

/** A TemplateProcessing section that puts `bos` before and `eos` after the sequence (either may be absent). */
export function templateJSON(bos: [string, number] | undefined, eos: [string, number] | undefined): Json {
  const single: Json[] = [];
  const special: Json = {};
  if (bos) {
    single.push({ SpecialToken: { id: bos[0], type_id: 0 } });
    special[bos[0]] = { id: bos[0], ids: [bos[1]], tokens: [bos[0]] };
  }
  single.push({ Sequence: { id: 'A', type_id: 0 } });
  if (eos) {
    single.push({ SpecialToken: { id: eos[0], type_id: 0 } });
    special[eos[0]] = { id: eos[0], ids: [eos[1]], tokens: [eos[0]] };
  }
  return { type: 'TemplateProcessing', single, pair: [...single, ...single.map((p) => ('Sequence' in p ? { Sequence: { id: 'B', type_id: 1 } } : p))], special_tokens: special };
}
