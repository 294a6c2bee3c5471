/**
 * The wire format of job data: JSON for the structure plus one binary section for typed arrays. Decoding
 * is `JSON.parse` and typed-array views with checked bounds — nothing in a payload is ever evaluated as
 * code, and anything else than plain values, arrays and the typed arrays below is a TaskPayloadError.
 */

import { createHash } from 'node:crypto';
import { TaskPayloadError, ValidationError } from '@layerwise/core';

const MAGIC = 'LWX1';
const TYPES = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
} as const;
type TypeTag = keyof typeof TYPES;
type Typed = InstanceType<(typeof TYPES)[TypeTag]>;

function tagOf(v: ArrayBufferView): TypeTag | undefined {
  for (const [tag, Ctor] of Object.entries(TYPES)) if (v instanceof Ctor) return tag as TypeTag;
  return undefined;
}

/** Encodes plain values, arrays and typed arrays (NaN and ±Infinity included) into one buffer. */
export function encodePayload(value: unknown): Buffer {
  const parts: Typed[] = [];
  let offset = 0;
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $n: String(v) };
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (ArrayBuffer.isView(v)) {
      const tag = tagOf(v);
      if (!tag)
        throw new ValidationError(`${path} is a ${v.constructor.name}, which cannot be sent to workers.`);
      const t = v as Typed;
      offset = Math.ceil(offset / 8) * 8;
      const ref = { $t: tag, o: offset, n: t.length };
      parts.push(t);
      offset += t.byteLength;
      return ref;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v === 'object') {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new ValidationError(`${path} is a class instance, which cannot be sent to workers.`);
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as object)) {
        if (k.startsWith('$'))
          throw new ValidationError(`${path}.${k}: keys starting with $ cannot be sent.`);
        if (x !== undefined) out[k] = walk(x, `${path}.${k}`);
      }
      return out;
    }
    if (v === undefined) return null;
    throw new ValidationError(`${path} is a ${typeof v}, which cannot be sent to workers.`);
  };
  const json = Buffer.from(JSON.stringify(walk(value, 'payload')), 'utf8');
  const head = 8 + json.length;
  const start = Math.ceil(head / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 4);
  json.copy(out, 8);
  let o = 0;
  for (const t of parts) {
    o = Math.ceil(o / 8) * 8;
    Buffer.from(t.buffer, t.byteOffset, t.byteLength).copy(out, start + o);
    o += t.byteLength;
  }
  return out;
}

/** Decodes {@link encodePayload}'s buffer; anything malformed is a TaskPayloadError. */
export function decodePayload(buf: Uint8Array): unknown {
  const bad = (what: string): never => {
    throw new TaskPayloadError(`Malformed job payload: ${what}.`);
  };
  if (!(buf instanceof Uint8Array) || buf.length < 8) bad('too short');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.toString('latin1', 0, 4) !== MAGIC) bad('wrong magic bytes');
  const jsonLength = b.readUInt32LE(4);
  if (8 + jsonLength > b.length) bad('the JSON part runs past the end');
  const start = Math.ceil((8 + jsonLength) / 8) * 8;
  // One aligned copy of the binary section, so typed arrays can view it.
  const binary = new Uint8Array(Math.max(0, b.length - start));
  binary.set(b.subarray(start));
  let tree: unknown;
  try {
    tree = JSON.parse(b.toString('utf8', 8, 8 + jsonLength));
  } catch {
    bad('the JSON part does not parse');
  }
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 64) bad('nested too deeply');
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if ('$n' in o) {
      if (o.$n === 'NaN') return Number.NaN;
      if (o.$n === 'Infinity') return Number.POSITIVE_INFINITY;
      if (o.$n === '-Infinity') return Number.NEGATIVE_INFINITY;
      bad('an unknown number marker');
    }
    if ('$t' in o) {
      const Ctor = TYPES[o.$t as TypeTag];
      const off = o.o as number;
      const n = o.n as number;
      if (!Ctor || !Object.hasOwn(TYPES, o.$t as string)) bad(`unknown typed array ${String(o.$t)}`);
      if (!Number.isSafeInteger(off) || !Number.isSafeInteger(n) || off < 0 || n < 0) bad('bad array bounds');
      if (off % Ctor.BYTES_PER_ELEMENT !== 0 || off + n * Ctor.BYTES_PER_ELEMENT > binary.length) {
        bad('an array runs past the binary section');
      }
      return new Ctor(binary.buffer, off, n);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') bad(`a forbidden key ${k}`);
      out[k] = walk(x, depth + 1);
    }
    return out;
  };
  return walk(tree, 0);
}

/** The SHA-256 of `buf`, hex. */
export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}
