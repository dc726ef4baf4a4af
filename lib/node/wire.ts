import * as errors from '../errors';
import { PayloadError, RemoteError } from '../errors';
import { CallMessage } from '../process/message';
import { ServerRef } from '../process/ref';
import { classByName, classNameOf } from './classes';
import { RemoteRef } from './remote_ref';

// Wire values (see transport.ts): what a payload, reply or exit reason becomes before it crosses.
// Encoding walks the value once to check it can cross; only a value that holds a ref, an Error, a
// class or an object with a `$` key is copied (a second walk) with those replaced by markers, and
// only such a value is walked again on the other side (`enc` = 1).

/** What encoding and decoding need from the node layer. */
export interface WireContext {
  /** The ref descriptor of a ref (exports a local ref, so frames can reach its process). */
  describeRef(ref: ServerRef): RefMarker;
  /** The ref a descriptor stands for on this node: the local ref on its home node, else a RemoteRef. */
  refOf(marker: RefMarker): ServerRef;
  /** A GenServer class, which crosses by its registered name. */
  isServerClass(value: Function): boolean;
  /** A call's `from` handle, so a deferred reply can come from any node. */
  describeFrom(msg: CallMessage): FromMarker;
  fromOf(marker: FromMarker): CallMessage;
  /** For messages: this node's name. */
  readonly self: string;
}

export interface FromMarker {
  readonly $: 'from';
  readonly node: string;
  readonly id: number;
}

export interface RefMarker {
  readonly $: 'ref';
  readonly node: string;
  readonly inc: number;
  readonly id: number;
  readonly cls: string;
}

export interface ErrorMarker {
  readonly $: 'error';
  readonly class: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly fields: Record<string, unknown>;
  readonly node: string;
}

const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const BUILTIN_ERRORS: Record<string, new (message: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
const LIBRARY_ERRORS = new Map<string, Function>();
for (const value of Object.values(errors)) {
  if (typeof value === 'function' && (value === errors.GenServerError || value.prototype instanceof errors.GenServerError)) {
    LIBRARY_ERRORS.set(value.name, value);
  }
}

/** True for a value structured clone copies exactly and that holds nothing to walk. */
function isLeaf(proto: object | null, value: object): boolean {
  return (
    proto === Date.prototype ||
    proto === RegExp.prototype ||
    proto === ArrayBuffer.prototype ||
    proto === DataView.prototype ||
    (Object.getPrototypeOf(proto ?? {}) === typedArrayProto && ArrayBuffer.isView(value))
  );
}

/**
 * Checks that `value` can cross; returns true when it must be encoded (it holds a ref, an Error, a
 * class or a `$` key). Throws PayloadError at the first thing that cannot cross.
 */
function check(value: unknown, path: string, ctx: WireContext, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return false;
    case 'symbol':
      throw new PayloadError(path, value, 'a symbol is unique to its thread');
    case 'function':
      if (ctx.isServerClass(value)) return true;
      throw new PayloadError(path, value, 'a function cannot be copied to another thread');
  }
  if (value === null) return false;
  const object = value as object;
  if (object instanceof ServerRef || object instanceof Error || object instanceof CallMessage) return true;
  const proto = Object.getPrototypeOf(object) as object | null;
  if (isLeaf(proto, object)) return false;
  if (seen.has(object)) throw new PayloadError(path, value, 'it contains a cycle (a value that contains itself)');
  seen.add(object);
  let special = false;
  if (proto === Array.prototype) {
    const array = object as unknown[];
    for (let i = 0; i < array.length; i++) if (check(array[i], `${path}[${i}]`, ctx, seen)) special = true;
  } else if (proto === Map.prototype) {
    for (const [k, v] of object as Map<unknown, unknown>) {
      if (check(k, `${path} (a Map key)`, ctx, seen)) special = true;
      if (check(v, `${path}.get(${String(k)})`, ctx, seen)) special = true;
    }
  } else if (proto === Set.prototype) {
    for (const v of object as Set<unknown>) if (check(v, `${path} (a Set member)`, ctx, seen)) special = true;
  } else if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(object).length > 0) {
      throw new PayloadError(path, value, 'an object with symbol keys would arrive without them');
    }
    for (const key of Object.keys(object)) {
      if (key === '$') special = true;
      if (check((object as Record<string, unknown>)[key], `${path}.${key}`, ctx, seen)) special = true;
    }
  } else {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    const hint = typeof Buffer !== 'undefined' && object instanceof Buffer ? ' (send a Uint8Array: new Uint8Array(buffer))' : '';
    throw new PayloadError(path, value, `an instance of class ${name} would arrive as a plain object, without its methods${hint}`);
  }
  seen.delete(object);
  return special;
}

function transform(value: unknown, ctx: WireContext): unknown {
  if (typeof value === 'function') return { $: 'class', name: classNameOf(value) };
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof ServerRef) return ctx.describeRef(value);
  if (value instanceof Error) return encodeError(value, ctx);
  if (value instanceof CallMessage) return ctx.describeFrom(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (isLeaf(proto, value)) return value;
  if (proto === Array.prototype) return (value as unknown[]).map((v) => transform(v, ctx));
  if (proto === Map.prototype) {
    const out = new Map();
    for (const [k, v] of value as Map<unknown, unknown>) out.set(transform(k, ctx), transform(v, ctx));
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set();
    for (const v of value as Set<unknown>) out.add(transform(v, ctx));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) put(out, key, transform((value as Record<string, unknown>)[key], ctx));
  return '$' in out ? { $: 'obj', value: out } : out;
}

/**
 * The wire value of `value` and whether it was encoded (`[wire, 1]`) or travels as it is
 * (`[value, 0]`). Throws PayloadError (with `path` in it) for what cannot cross.
 */
export function encode(value: unknown, path: string, ctx: WireContext): [unknown, 0 | 1] {
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') return [value, 0];
  if (!check(value, path, ctx, new Set())) return [value, 0];
  return [transform(value, ctx), 1];
}

/** Like encode, for values that must cross whatever they hold (exit reasons, error fields): what cannot cross becomes a description. */
export function encodeLenient(value: unknown, ctx: WireContext): [unknown, 0 | 1] {
  try {
    return encode(value, 'value', ctx);
  } catch (error) {
    return [encodeError(error as Error, ctx), 1];
  }
}

function encodeError(error: Error, ctx: WireContext): ErrorMarker {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'stack' || key === 'message') continue;
    const v = (error as unknown as Record<string, unknown>)[key];
    try {
      fields[key] = encode(v, key, ctx)[0];
      if (fields[key] !== v) fields[key] = { $: 'enc', value: fields[key] };
    } catch {
      fields[key] = errors.describeValue(v);
    }
  }
  if (error.cause !== undefined && !('cause' in fields)) fields.cause = { $: 'enc', value: encodeLenient(error.cause, ctx)[0] };
  return {
    $: 'error',
    class: error.constructor?.name ?? error.name,
    message: error.message,
    stack: error.stack,
    fields,
    node: ctx.self,
  };
}

/** The value a wire value stands for on this node. */
export function decode(wire: unknown, ctx: WireContext): unknown {
  if (typeof wire !== 'object' || wire === null) return wire;
  const proto = Object.getPrototypeOf(wire) as object | null;
  if (proto === Array.prototype) return (wire as unknown[]).map((v) => decode(v, ctx));
  if (proto === Map.prototype) {
    const out = new Map();
    for (const [k, v] of wire as Map<unknown, unknown>) out.set(decode(k, ctx), decode(v, ctx));
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set();
    for (const v of wire as Set<unknown>) out.add(decode(v, ctx));
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return wire;
  const object = wire as Record<string, unknown>;
  switch (object.$) {
    case 'ref':
      return ctx.refOf(object as unknown as RefMarker);
    case 'error':
      return decodeError(object as unknown as ErrorMarker, ctx);
    case 'class': {
      const cls = classByName(object.name as string);
      if (cls === undefined) {
        throw new errors.ClassNameError(
          object.name as string,
          ctx.self,
          'no class is registered under this name here: load its module on this node (Node.startThreads(n, { modules })) or Node.register(Class)',
        );
      }
      return cls;
    }
    case 'from':
      return ctx.fromOf(object as unknown as FromMarker);
    case 'obj':
      return decodeObject(object.value as Record<string, unknown>, ctx);
    case 'enc':
      return decode(object.value, ctx);
  }
  return decodeObject(object, ctx);
}

/**
 * Sets an own, enumerable data property. Plain assignment would run the `__proto__` setter for a
 * key of that name (a payload from another node could then swap an object's prototype).
 */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function decodeObject(object: Record<string, unknown>, ctx: WireContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) put(out, key, decode(object[key], ctx));
  return out;
}

/**
 * An Error as it was thrown on the other node: a library error as its own class (so `instanceof`
 * works), a built-in one (TypeError…) as itself, a user's error class as a RemoteError that keeps
 * the class name. Message, stack and fields come along.
 */
export function decodeError(marker: ErrorMarker, ctx: WireContext): Error {
  const library = LIBRARY_ERRORS.get(marker.class);
  const builtin = BUILTIN_ERRORS[marker.class];
  let error: Error;
  if (library !== undefined) {
    error = Object.create(library.prototype as object) as Error;
    Object.defineProperty(error, 'message', { value: marker.message, writable: true, configurable: true });
  } else if (builtin !== undefined) {
    error = new builtin(marker.message);
  } else {
    error = new RemoteError(marker.class, marker.message, marker.node);
  }
  for (const [key, value] of Object.entries(marker.fields)) {
    const v = decode(value, ctx);
    if (key === 'cause') Object.defineProperty(error, 'cause', { value: v, writable: true, configurable: true });
    else put(error as unknown as Record<string, unknown>, key, v);
  }
  Object.defineProperty(error, 'stack', {
    value: marker.stack ?? `${marker.class}: ${marker.message}`,
    writable: true,
    configurable: true,
  });
  return error;
}

export function isErrorMarker(value: unknown): value is ErrorMarker {
  return typeof value === 'object' && value !== null && (value as { $?: unknown }).$ === 'error';
}

export { RemoteRef };
