/**
 * Compiles a JSON schema (a documented subset) into grammar nodes the matcher
 * walks byte by byte.
 *
 * Supported: type (one or a list), properties, required, additionalProperties,
 * items, minItems, maxItems, minLength, maxLength, enum, const, anyOf, $ref to
 * #/$defs or #/definitions (not recursive), nested to any depth. Annotations
 * (title, description, default, examples, format, $schema, $id, $comment) are
 * ignored; `format` is an annotation in JSON Schema 2019+ and not enforced.
 * Any other keyword (pattern, minimum, oneOf, ...) is rejected with an
 * UnsupportedError, because silently ignoring it would break the guarantee
 * that the output validates.
 *
 * Objects are generated with their listed properties in schema order; optional
 * ones may be left out. Extra properties are never generated, which satisfies
 * both `additionalProperties: false` and its absence.
 */
import { InvalidArgumentError, UnsupportedError } from '../../errors.js';

export type GrammarNode = LitNode | StrNode | NumNode | ObjNode | FreeObjNode | ArrNode | AltNode;

export interface LitNode {
  readonly k: 'lit';
  readonly id: number;
  readonly bytes: Uint8Array;
}
export interface StrNode {
  readonly k: 'str';
  readonly id: number;
  /** Length bounds in code points (maxLength Infinity when unbounded). */
  readonly min: number;
  readonly max: number;
}
export interface NumNode {
  readonly k: 'num';
  readonly id: number;
  readonly integer: boolean;
}
export interface Prop {
  readonly key: string;
  /** The key as JSON text, quotes included. */
  readonly keyBytes: Uint8Array;
  readonly value: GrammarNode;
  readonly required: boolean;
}
export interface ObjNode {
  readonly k: 'obj';
  readonly id: number;
  readonly props: readonly Prop[];
}
/** Any object: string keys, values of `value` (JSON mode). */
export interface FreeObjNode {
  readonly k: 'fobj';
  readonly id: number;
  readonly key: StrNode;
  readonly value: GrammarNode;
}
export interface ArrNode {
  readonly k: 'arr';
  readonly id: number;
  readonly items: GrammarNode;
  readonly min: number;
  readonly max: number;
}
export interface AltNode {
  readonly k: 'alt';
  readonly id: number;
  /** Concrete alternatives (never another alt). */
  readonly options: readonly GrammarNode[];
}

/** How deep free-form JSON (JSON mode, `{}` schemas) may nest. */
export const ANY_DEPTH = 6;

const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', 'format', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly']);
const STRUCTURAL = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'enum', 'const', 'anyOf', '$ref', '$defs', 'definitions']);
const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;
type JsonType = (typeof TYPES)[number];

const enc = new TextEncoder();

/** Builds nodes with ids (the matcher keys its states on them). */
export class NodeBuilder {
  private nextId = 0;
  private readonly anyByDepth: GrammarNode[] = [];

  lit(text: string): LitNode {
    return { k: 'lit', id: this.nextId++, bytes: enc.encode(text) };
  }
  str(min = 0, max = Infinity): StrNode {
    return { k: 'str', id: this.nextId++, min, max };
  }
  num(integer: boolean): NumNode {
    return { k: 'num', id: this.nextId++, integer };
  }
  obj(props: Prop[]): ObjNode {
    return { k: 'obj', id: this.nextId++, props };
  }
  arr(items: GrammarNode, min = 0, max = Infinity): ArrNode {
    return { k: 'arr', id: this.nextId++, items, min, max };
  }
  alt(options: GrammarNode[]): GrammarNode {
    const flat: GrammarNode[] = [];
    for (const o of options) {
      if (o.k === 'alt') flat.push(...o.options);
      else flat.push(o);
    }
    if (flat.length === 1) return flat[0]!;
    return { k: 'alt', id: this.nextId++, options: flat };
  }
  /** Any JSON value nested at most `depth` containers deep. */
  any(depth = ANY_DEPTH): GrammarNode {
    const cached = this.anyByDepth[depth];
    if (cached) return cached;
    const scalars = [this.str(), this.num(false), this.lit('true'), this.lit('false'), this.lit('null')];
    const node = depth <= 0 ? this.alt(scalars) : this.alt([this.freeObj(depth), this.arr(this.any(depth - 1)), ...scalars]);
    this.anyByDepth[depth] = node;
    return node;
  }
  freeObj(depth = ANY_DEPTH): FreeObjNode {
    return this.freeObjOf(this.any(depth - 1));
  }
  /** An object with any keys whose values are all `value`. */
  freeObjOf(value: GrammarNode): FreeObjNode {
    return { k: 'fobj', id: this.nextId++, key: this.str(), value };
  }
}

type Schema = boolean | Record<string, unknown>;

/** Compiles a schema into its grammar node; throws on unsupported or contradictory schemas. */
export function compileSchema(schema: unknown, b = new NodeBuilder()): GrammarNode {
  if (schema !== true && schema !== false && !isObject(schema)) {
    throw new InvalidArgumentError('json_schema', '(root)', 'a JSON schema must be an object or a boolean');
  }
  const root = schema as Schema;
  const defs = isObject(root) ? { ...(asObject(root['definitions']) ?? {}), ...(asObject(root['$defs']) ?? {}) } : {};
  return compile(root, '#', b, defs, new Set());
}

function compile(s: Schema, path: string, b: NodeBuilder, defs: Record<string, unknown>, refs: Set<string>): GrammarNode {
  if (s === true) return b.any();
  if (s === false) throw new UnsupportedError('json_schema', `${path}: the schema 'false' accepts no value`);
  for (const key of Object.keys(s)) {
    if (!STRUCTURAL.has(key) && !ANNOTATIONS.has(key)) {
      throw new UnsupportedError('json_schema', `${path}: keyword '${key}' is not supported by constrained decoding`);
    }
  }
  if (s['$ref'] !== undefined) return compileRef(s, path, b, defs, refs);
  if (s['anyOf'] !== undefined) {
    const list = s['anyOf'];
    if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError('json_schema', `${path}.anyOf`, 'expected a non-empty array of schemas');
    const others = Object.keys(s).filter((k) => k !== 'anyOf' && k !== '$defs' && k !== 'definitions' && !ANNOTATIONS.has(k));
    if (others.length) throw new UnsupportedError('json_schema', `${path}: anyOf next to '${others.join("', '")}' is not supported; move them into each branch`);
    return b.alt(list.map((sub, i) => compile(asSchema(sub, `${path}.anyOf[${i}]`), `${path}.anyOf[${i}]`, b, defs, refs)));
  }
  if (s['const'] !== undefined || s['enum'] !== undefined) return compileEnum(s, path, b);
  const types = typeList(s, path);
  return b.alt(types.map((t) => compileType(t, s, path, b, defs, refs)));
}

function compileRef(s: Record<string, unknown>, path: string, b: NodeBuilder, defs: Record<string, unknown>, refs: Set<string>): GrammarNode {
  const ref = s['$ref'];
  const others = Object.keys(s).filter((k) => k !== '$ref' && k !== '$defs' && k !== 'definitions' && !ANNOTATIONS.has(k));
  if (others.length) throw new UnsupportedError('json_schema', `${path}: $ref next to '${others.join("', '")}' is not supported`);
  const m = typeof ref === 'string' ? /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref) : null;
  if (!m) throw new UnsupportedError('json_schema', `${path}.$ref: only '#/$defs/NAME' and '#/definitions/NAME' are supported, got ${JSON.stringify(ref)}`);
  const name = decodeURIComponent(m[1]!.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (!(name in defs)) throw new InvalidArgumentError('json_schema', `${path}.$ref`, `no definition named '${name}'`);
  if (refs.has(name)) throw new UnsupportedError('json_schema', `${path}.$ref: '${name}' refers to itself; recursive schemas are not supported`);
  const next = new Set(refs).add(name);
  return compile(asSchema(defs[name], `#/$defs/${name}`), `#/$defs/${name}`, b, defs, next);
}

function compileEnum(s: Record<string, unknown>, path: string, b: NodeBuilder): GrammarNode {
  const values: unknown[] = s['const'] !== undefined ? [s['const']] : (s['enum'] as unknown[]);
  if (!Array.isArray(values) || values.length === 0) throw new InvalidArgumentError('json_schema', `${path}.enum`, 'expected a non-empty array');
  const types = s['type'] === undefined ? null : typeList(s, path);
  const kept = values.filter((v) => !types || types.some((t) => jsonTypeMatches(t, v)));
  if (kept.length === 0) throw new UnsupportedError('json_schema', `${path}: no enum/const value has the schema's type`);
  // Each value is written exactly as JSON.stringify writes it.
  return b.alt([...new Set(kept.map((v) => JSON.stringify(v)))].map((t) => b.lit(t)));
}

function compileType(t: JsonType, s: Record<string, unknown>, path: string, b: NodeBuilder, defs: Record<string, unknown>, refs: Set<string>): GrammarNode {
  switch (t) {
    case 'null':
      return b.lit('null');
    case 'boolean':
      return b.alt([b.lit('true'), b.lit('false')]);
    case 'integer':
      return b.num(true);
    case 'number':
      return b.num(false);
    case 'string': {
      const min = count(s, 'minLength', path, 0);
      const max = count(s, 'maxLength', path, Infinity);
      if (min > max) throw new UnsupportedError('json_schema', `${path}: minLength ${min} > maxLength ${max}`);
      return b.str(min, max);
    }
    case 'array': {
      const min = count(s, 'minItems', path, 0);
      const max = count(s, 'maxItems', path, Infinity);
      if (min > max) throw new UnsupportedError('json_schema', `${path}: minItems ${min} > maxItems ${max}`);
      const items = s['items'];
      if (Array.isArray(items)) throw new UnsupportedError('json_schema', `${path}.items: tuple form (an array of schemas) is not supported`);
      const node = items === undefined ? b.any(ANY_DEPTH - 1) : compile(asSchema(items, `${path}.items`), `${path}.items`, b, defs, refs);
      return b.arr(node, min, max);
    }
    case 'object':
      return compileObject(s, path, b, defs, refs);
  }
}

function compileObject(s: Record<string, unknown>, path: string, b: NodeBuilder, defs: Record<string, unknown>, refs: Set<string>): GrammarNode {
  const props = asObject(s['properties']);
  if (s['properties'] !== undefined && !props) throw new InvalidArgumentError('json_schema', `${path}.properties`, 'expected an object');
  const required = s['required'] ?? [];
  if (!Array.isArray(required) || required.some((r) => typeof r !== 'string')) {
    throw new InvalidArgumentError('json_schema', `${path}.required`, 'expected an array of property names');
  }
  const additional = s['additionalProperties'];
  if (additional !== undefined && typeof additional !== 'boolean' && !isObject(additional)) {
    throw new InvalidArgumentError('json_schema', `${path}.additionalProperties`, 'expected a boolean or a schema');
  }
  const req = new Set(required as string[]);
  const list: Prop[] = [];
  for (const [key, sub] of Object.entries(props ?? {})) {
    const p = `${path}.properties.${key}`;
    list.push({ key, keyBytes: enc.encode(JSON.stringify(key)), value: compile(asSchema(sub, p), p, b, defs, refs), required: req.has(key) });
  }
  for (const key of req) {
    if (props && key in props) continue;
    // A required key without a schema of its own takes additionalProperties' schema.
    if (additional === false) throw new UnsupportedError('json_schema', `${path}: '${key}' is required but not allowed (additionalProperties is false)`);
    const p = `${path}.additionalProperties`;
    const value = isObject(additional) ? compile(additional, p, b, defs, refs) : b.any(ANY_DEPTH - 1);
    list.push({ key, keyBytes: enc.encode(JSON.stringify(key)), value, required: true });
  }
  if (list.length === 0 && additional !== false) {
    return isObject(additional) ? b.freeObjOf(compile(additional, `${path}.additionalProperties`, b, defs, refs)) : b.freeObj();
  }
  return b.obj(list);
}

function typeList(s: Record<string, unknown>, path: string): JsonType[] {
  const t = s['type'];
  if (t === undefined) return inferTypes(s);
  const list = Array.isArray(t) ? t : [t];
  if (list.length === 0) throw new InvalidArgumentError('json_schema', `${path}.type`, 'expected a type name or a non-empty list');
  for (const x of list) {
    if (!TYPES.includes(x as JsonType)) throw new InvalidArgumentError('json_schema', `${path}.type`, `unknown type ${JSON.stringify(x)}; one of ${TYPES.join(', ')}`);
  }
  return [...new Set(list as JsonType[])];
}

/** A schema without `type`: the types its keywords imply, or every type. */
function inferTypes(s: Record<string, unknown>): JsonType[] {
  const out: JsonType[] = [];
  if (s['properties'] !== undefined || s['required'] !== undefined || s['additionalProperties'] !== undefined) out.push('object');
  if (s['items'] !== undefined || s['minItems'] !== undefined || s['maxItems'] !== undefined) out.push('array');
  if (s['minLength'] !== undefined || s['maxLength'] !== undefined) out.push('string');
  return out.length ? out : [...TYPES];
}

function jsonTypeMatches(t: JsonType, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
  }
}

function count(s: Record<string, unknown>, key: string, path: string, dflt: number): number {
  const v = s[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InvalidArgumentError('json_schema', `${path}.${key}`, `expected an integer >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}

function asSchema(v: unknown, path: string): Schema {
  if (v === true || v === false || isObject(v)) return v as Schema;
  throw new InvalidArgumentError('json_schema', path, 'expected a schema (an object or a boolean)');
}
