import { ArgumentError, MatchSpecError } from '../errors';
import { ServerRef } from '../process/ref';

/**
 * Match specs for `Registry.match`, `select` and friends: Erlang's idea (a pattern with wildcards
 * and variables, guards over the variables, a result shape) in JS values. Patterns and guards are
 * compiled once per call into small closures; nothing is ever `eval`ed, and matching reads only
 * own data properties of the registered values, so no getter or `toString` of a value ever runs.
 */

/** `Match._`: matches anything and binds nothing (Erlang's `:_`). */
export class MatchWildcard {
  toString(): string {
    return 'Match._';
  }
}

/** `Match.$(name)`: binds what it meets the first time; later occurrences must be equal (Erlang's `:"$1"`). */
export class MatchVar {
  constructor(readonly name: string) {}
  toString(): string {
    return `Match.$(${JSON.stringify(this.name)})`;
  }
}

/** `Match.entry`: in guards and results, the whole entry `{ key, ref, value }` (Erlang's `:"$_"`). */
export class MatchEntry {
  toString(): string {
    return 'Match.entry';
  }
}

/** `Match.const(value)`: exactly this value, never read as a pattern, an operation or a result shape. */
export class MatchConst<T = unknown> {
  constructor(readonly value: T) {}
}

const WILDCARD = Object.freeze(new MatchWildcard());
const ENTRY = Object.freeze(new MatchEntry());

function variable(name: string | number): MatchVar {
  const ok = (typeof name === 'string' && name.length > 0) || (typeof name === 'number' && Number.isInteger(name) && name >= 0);
  if (!ok) throw new ArgumentError('name', name, 'a non-empty string or an integer >= 0');
  return Object.freeze(new MatchVar(String(name)));
}

/**
 * The markers of the match-spec language.
 *
 * ```ts
 * const { _, $ } = Match;
 * Registry.match(rooms, 'room', { kind: 'chat', size: $('n') }, [['>', $('n'), 10]]);
 * Registry.select(rooms, { match: { key: $('k'), value: { size: $('n') } }, guards: [['>', $('n'), 10]], result: $('k') });
 * ```
 */
export const Match = Object.freeze({
  /** Matches anything. */
  _: WILDCARD as MatchWildcard,
  /** A variable: `$('n')` or `$(1)`; the same name means the same variable. */
  $: variable,
  /** The whole entry `{ key, ref, value }`, in guards and results. */
  entry: ENTRY as MatchEntry,
  /** A literal: `Match.const([1, 2])` in a guard is the array, not an operation. */
  const: <T>(value: T): MatchConst<T> => Object.freeze(new MatchConst(value)),
});

/** The operators a guard may use. A guard holds only when it evaluates to exactly `true`. */
export type GuardOperator =
  | '==='
  | '!=='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or'
  | 'not'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'abs'
  | 'isNumber'
  | 'isInteger'
  | 'isString'
  | 'isBoolean'
  | 'isBigInt'
  | 'isArray'
  | 'isObject'
  | 'isNull'
  | 'isUndefined'
  | 'isRef'
  | 'length'
  | 'size'
  | 'get'
  | 'has'
  | 'in'
  | 'startsWith'
  | 'endsWith';

/** A guard operation: `['>', Match.$('n'), 10]`, nestable: `['and', ['>', $('n'), 1], ['<', $('n'), 9]]`. */
export type GuardExpression = readonly [GuardOperator, ...GuardOperand[]];
/** An operand: a variable, `Match.entry`, a nested operation, or a literal (wrap a literal array in `Match.const`). */
export type GuardOperand =
  | GuardExpression
  | MatchVar
  | MatchEntry
  | MatchConst
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | object;
/** One guard of a list; all must hold. */
export type Guard = GuardExpression | MatchVar | boolean;

/** One clause of `Registry.select`: every part is optional. */
export interface SelectClause {
  /** Patterns over the entry's parts; an omitted part matches anything. */
  match?: { key?: unknown; ref?: unknown; value?: unknown };
  /** Conditions over the variables the patterns bound; all must hold. Default none. */
  guards?: readonly Guard[];
  /** The shape of each result, with variables filled in. Default `Match.entry`: `{ key, ref, value }`. */
  result?: unknown;
}

/** What a compiled spec sees of one entry. */
export interface MatchedEntry {
  key: unknown;
  ref: ServerRef;
  value: unknown;
}

type Bindings = unknown[];
/** A compiled pattern: true if `value` matches, binding into `b` in pattern order. */
type Matcher = (value: unknown, b: Bindings) => boolean;
/** A compiled guard operand or template: FAIL when the guard cannot be evaluated. */
type Evaluator = (b: Bindings, entry: MatchedEntry) => unknown;

/** A guard that cannot be evaluated (a type mismatch, a missing field) is false, as in Erlang. */
const FAIL: unique symbol = Symbol('guard failed');
/** A property that is missing or an accessor: matching never runs user getters. */
const ABSENT: unique symbol = Symbol('absent');
const MAX_DEPTH = 64;

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** An own data property of `obj`, or ABSENT; a throwing Proxy trap counts as ABSENT. */
function readOwn(obj: object, key: string): unknown {
  try {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    return d !== undefined && 'value' in d ? d.value : ABSENT;
  } catch {
    return ABSENT;
  }
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isArray(x: unknown): x is unknown[] {
  try {
    return Array.isArray(x);
  } catch {
    return false; // a revoked Proxy
  }
}

/** Variables in order of first appearance: their slot in the bindings array. */
class Scope {
  private readonly slots = new Map<string, number>();
  slotOf(v: MatchVar): { slot: number; fresh: boolean } {
    const known = this.slots.get(v.name);
    if (known !== undefined) return { slot: known, fresh: false };
    const slot = this.slots.size;
    this.slots.set(v.name, slot);
    return { slot, fresh: true };
  }
  bound(v: MatchVar): number | undefined {
    return this.slots.get(v.name);
  }
}

/** Runs a compile step; anything it throws that is not a MatchSpecError (a hostile Proxy) becomes one at `path`. */
function guarded<T>(path: string, part: unknown, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MatchSpecError) throw error;
    const e = new MatchSpecError(path, part, 'a readable value (reading it threw)');
    (e as { cause?: unknown }).cause = error;
    throw e;
  }
}

function ownDataKeys(obj: object, path: string): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d === undefined) continue;
    if (!('value' in d)) throw new MatchSpecError(`${path}.${key}`, obj, 'a data property (accessors are not read)');
    out.push([key, d.value]);
  }
  return out;
}

function compilePattern(p: unknown, scope: Scope, path: string, depth: number): Matcher {
  if (depth > MAX_DEPTH) throw new MatchSpecError(path, p, `nested at most ${MAX_DEPTH} deep (is it cyclic?)`);
  if (p === null || (typeof p !== 'object' && typeof p !== 'function')) return (v) => sameValueZero(v, p);
  if (p instanceof MatchWildcard) return () => true;
  if (p instanceof MatchVar) {
    const { slot, fresh } = scope.slotOf(p);
    return fresh
      ? (v, b) => {
          b[slot] = v;
          return true;
        }
      : (v, b) => sameValueZero(v, b[slot]);
  }
  if (p instanceof MatchConst) {
    const c = p.value;
    return (v) => sameValueZero(v, c);
  }
  if (p instanceof MatchEntry) throw new MatchSpecError(path, p, 'a pattern (Match.entry belongs in guards and results)');
  if (isArray(p)) {
    const items = Array.from(p, (item, i) => compilePattern(item, scope, `${path}[${i}]`, depth + 1));
    const n = items.length;
    return (v, b) => {
      if (!isArray(v) || readOwn(v, 'length') !== n) return false;
      for (let i = 0; i < n; i++) {
        const item = readOwn(v, String(i));
        if (item === ABSENT || !items[i](item, b)) return false;
      }
      return true;
    };
  }
  if (typeof p === 'object' && isPlainObject(p)) {
    const fields = ownDataKeys(p, path).map(([key, sub]) => [key, compilePattern(sub, scope, `${path}.${key}`, depth + 1)] as const);
    return (v, b) => {
      if (v === null || typeof v !== 'object') return false;
      for (const [key, m] of fields) {
        const field = readOwn(v, key);
        if (field === ABSENT || !m(field, b)) return false;
      }
      return true;
    };
  }
  // A class instance, a function, a ServerRef: that very object.
  return (v) => v === p;
}

interface Operator {
  readonly arity: readonly [number, number];
  readonly apply: (args: unknown[]) => unknown;
}

const num = (x: unknown): x is number | bigint => typeof x === 'number' || typeof x === 'bigint';
const bothComparable = (a: unknown, b: unknown) => (num(a) && num(b)) || (typeof a === 'string' && typeof b === 'string');

function arith(f: (a: number, b: number) => number, g: (a: bigint, b: bigint) => bigint): Operator {
  return {
    arity: [2, 2],
    apply: ([a, b]) => {
      if (typeof a === 'number' && typeof b === 'number') return f(a, b);
      if (typeof a === 'bigint' && typeof b === 'bigint') {
        try {
          return g(a, b);
        } catch {
          return FAIL; // division by 0n
        }
      }
      return FAIL;
    },
  };
}

function typeTest(test: (x: unknown) => boolean): Operator {
  return { arity: [1, 1], apply: ([x]) => test(x) };
}

function compare(test: (a: never, b: never) => boolean): Operator {
  return { arity: [2, 2], apply: ([a, b]) => (bothComparable(a, b) ? test(a as never, b as never) : FAIL) };
}

function strings(test: (a: string, b: string) => boolean): Operator {
  return { arity: [2, 2], apply: ([a, b]) => (typeof a === 'string' && typeof b === 'string' ? test(a, b) : FAIL) };
}

/** A Map, so that no user string ('constructor', '__proto__') ever reaches an object's prototype. */
const OPERATORS = new Map<string, Operator>([
  ['===', { arity: [2, 2], apply: ([a, b]) => sameValueZero(a, b) }],
  ['!==', { arity: [2, 2], apply: ([a, b]) => !sameValueZero(a, b) }],
  ['<', compare((a, b) => a < b)],
  ['<=', compare((a, b) => a <= b)],
  ['>', compare((a, b) => a > b)],
  ['>=', compare((a, b) => a >= b)],
  ['not', { arity: [1, 1], apply: ([x]) => (typeof x === 'boolean' ? !x : FAIL) }],
  [
    '+',
    arith(
      (a, b) => a + b,
      (a, b) => a + b,
    ),
  ],
  [
    '-',
    arith(
      (a, b) => a - b,
      (a, b) => a - b,
    ),
  ],
  [
    '*',
    arith(
      (a, b) => a * b,
      (a, b) => a * b,
    ),
  ],
  [
    '/',
    arith(
      (a, b) => a / b,
      (a, b) => a / b,
    ),
  ],
  [
    '%',
    arith(
      (a, b) => a % b,
      (a, b) => a % b,
    ),
  ],
  ['abs', { arity: [1, 1], apply: ([x]) => (typeof x === 'number' ? Math.abs(x) : typeof x === 'bigint' ? (x < 0n ? -x : x) : FAIL) }],
  ['isNumber', typeTest((x) => typeof x === 'number')],
  ['isInteger', typeTest((x) => Number.isInteger(x) || typeof x === 'bigint')],
  ['isString', typeTest((x) => typeof x === 'string')],
  ['isBoolean', typeTest((x) => typeof x === 'boolean')],
  ['isBigInt', typeTest((x) => typeof x === 'bigint')],
  ['isArray', typeTest(isArray)],
  ['isObject', typeTest((x) => x !== null && typeof x === 'object' && !isArray(x))],
  ['isNull', typeTest((x) => x === null)],
  ['isUndefined', typeTest((x) => x === undefined)],
  [
    'isRef',
    typeTest((x) => {
      try {
        return x instanceof ServerRef;
      } catch {
        return false; // a revoked Proxy
      }
    }),
  ],
  [
    'length',
    {
      arity: [1, 1],
      apply: ([x]) => {
        if (typeof x === 'string') return x.length;
        return isArray(x) ? readOwn(x, 'length') : FAIL;
      },
    },
  ],
  [
    'size',
    {
      arity: [1, 1],
      apply: ([x]) => {
        if (x === null || typeof x !== 'object' || isArray(x)) return FAIL;
        try {
          return Object.keys(x).length;
        } catch {
          return FAIL;
        }
      },
    },
  ],
  [
    'get',
    {
      arity: [2, 2],
      apply: ([obj, key]) => {
        if (obj === null || typeof obj !== 'object' || (typeof key !== 'string' && typeof key !== 'number')) return FAIL;
        const v = readOwn(obj, String(key));
        return v === ABSENT ? FAIL : v;
      },
    },
  ],
  [
    'has',
    {
      arity: [2, 2],
      apply: ([obj, key]) => {
        if (obj === null || typeof obj !== 'object' || (typeof key !== 'string' && typeof key !== 'number')) return FAIL;
        return readOwn(obj, String(key)) !== ABSENT;
      },
    },
  ],
  [
    'in',
    {
      arity: [2, 2],
      apply: ([x, list]) => {
        if (!isArray(list)) return FAIL;
        const n = readOwn(list, 'length');
        if (typeof n !== 'number') return FAIL;
        for (let i = 0; i < n; i++) if (sameValueZero(readOwn(list, String(i)), x)) return true;
        return false;
      },
    },
  ],
  ['startsWith', strings((a, b) => a.startsWith(b))],
  ['endsWith', strings((a, b) => a.endsWith(b))],
]);
// 'and' and 'or' short-circuit, so they are compiled apart; listed here for arity and messages.
const LOGICAL = new Map<string, readonly [number, number]>([
  ['and', [2, Infinity]],
  ['or', [2, Infinity]],
]);
const OPERATOR_LIST = `a guard operator (${[...OPERATORS.keys(), ...LOGICAL.keys()].map((o) => `'${o}'`).join(', ')})`;

function compileOperand(x: unknown, scope: Scope, path: string, depth: number): Evaluator {
  if (depth > MAX_DEPTH) throw new MatchSpecError(path, x, `nested at most ${MAX_DEPTH} deep (is it cyclic?)`);
  if (x instanceof MatchVar) {
    const slot = scope.bound(x);
    if (slot === undefined) throw new MatchSpecError(path, x, 'a variable that the pattern binds');
    return (b) => b[slot];
  }
  if (x instanceof MatchEntry) return (_b, entry) => ({ key: entry.key, ref: entry.ref, value: entry.value });
  if (x instanceof MatchConst) {
    const c = x.value;
    return () => c;
  }
  if (x instanceof MatchWildcard) throw new MatchSpecError(path, x, 'an operand (Match._ only belongs in patterns)');
  if (isArray(x)) return compileExpression(x, scope, path, depth);
  return () => x;
}

function compileExpression(expr: readonly unknown[], scope: Scope, path: string, depth: number): Evaluator {
  const op = readOwn(expr, '0');
  const operator = typeof op === 'string' ? OPERATORS.get(op) : undefined;
  const logical = typeof op === 'string' ? LOGICAL.get(op) : undefined;
  if (operator === undefined && logical === undefined) throw new MatchSpecError(`${path}[0]`, op, OPERATOR_LIST);
  const args = Array.from(expr.slice(1), (a, i) => compileOperand(a, scope, `${path}[${i + 1}]`, depth + 1));
  const [min, max] = operator?.arity ?? logical!;
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new MatchSpecError(path, expr, `'${op as string}' with ${expected} operand${min === 1 && max === 1 ? '' : 's'}`);
  }
  if (op === 'and' || op === 'or') {
    const stopAt = op === 'or';
    return (b, e) => {
      for (const arg of args) {
        const v = arg(b, e);
        if (typeof v !== 'boolean') return FAIL;
        if (v === stopAt) return v;
      }
      return !stopAt;
    };
  }
  const apply = operator!.apply;
  return (b, e) => {
    const values = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = args[i](b, e);
      if (v === FAIL) return FAIL;
      values[i] = v;
    }
    return apply(values);
  };
}

function compileTemplate(t: unknown, scope: Scope, path: string, depth: number): Evaluator {
  if (depth > MAX_DEPTH) throw new MatchSpecError(path, t, `nested at most ${MAX_DEPTH} deep (is it cyclic?)`);
  if (t === null || typeof t !== 'object') return () => t;
  if (t instanceof MatchVar || t instanceof MatchEntry || t instanceof MatchConst) return compileOperand(t, scope, path, depth);
  if (t instanceof MatchWildcard) throw new MatchSpecError(path, t, 'a result (Match._ only belongs in patterns)');
  if (isArray(t)) {
    const items = Array.from(t, (item, i) => compileTemplate(item, scope, `${path}[${i}]`, depth + 1));
    return (b, e) => items.map((item) => item(b, e));
  }
  if (isPlainObject(t)) {
    const fields = ownDataKeys(t, path).map(([key, sub]) => [key, compileTemplate(sub, scope, `${path}.${key}`, depth + 1)] as const);
    return (b, e) => {
      const out: Record<string, unknown> = {};
      // defineProperty: a '__proto__' field stays a field.
      for (const [key, f] of fields)
        Object.defineProperty(out, key, { value: f(b, e), enumerable: true, writable: true, configurable: true });
      return out;
    };
  }
  return () => t;
}

function compileGuards(guards: unknown, scope: Scope, path: string): ((b: Bindings, e: MatchedEntry) => boolean) | undefined {
  if (guards === undefined) return undefined;
  if (!isArray(guards)) throw new MatchSpecError(path, guards, 'an array of guards');
  if (guards.length === 0) return undefined;
  const compiled = Array.from(guards, (g, i) => {
    const at = `${path}[${i}]`;
    if (typeof g === 'boolean') return () => g;
    if (g instanceof MatchVar || isArray(g)) return compileOperand(g, scope, at, 0);
    throw new MatchSpecError(at, g, "a guard: an operation such as ['>', Match.$('n'), 1], a variable, or a boolean");
  });
  return (b, e) => {
    for (const g of compiled) if (g(b, e) !== true) return false;
    return true;
  };
}

/** A compiled `(pattern, guards)` over one entry's value, for `match`, `countMatch`, `unregisterMatch`, `dispatch`. */
export type ValueTest = (entry: MatchedEntry) => boolean;

export function compileValueMatch(pattern: unknown, guards: unknown): ValueTest {
  return guarded('pattern', pattern, (): ValueTest => {
    const scope = new Scope();
    const m = compilePattern(pattern, scope, 'pattern', 0);
    const g = compileGuards(guards, scope, 'guards');
    if (pattern instanceof MatchWildcard && g === undefined) return () => true;
    return (entry) => {
      const b: Bindings = [];
      return m(entry.value, b) && (g === undefined || g(b, entry));
    };
  });
}

/** A compiled list of select clauses: the first clause that matches an entry gives its result, else NO_RESULT. */
export type Selector = (entry: MatchedEntry) => unknown;
export const NO_RESULT: unique symbol = Symbol('no result');

export function compileSelect(spec: unknown): { select: Selector; keyHint: { key: unknown } | undefined } {
  return guarded('spec', spec, () => {
    const clauses = isArray(spec) ? spec : [spec];
    const prefix = isArray(spec) ? (i: number) => `spec[${i}]` : () => 'spec';
    const compiled = Array.from(clauses, (clause, i) => compileClause(clause, prefix(i)));
    // One clause whose key is a plain value: only that key's entries need looking at.
    const only = compiled.length === 1 ? compiled[0].exactKey : undefined;
    const select: Selector = (entry) => {
      for (const c of compiled) {
        const r = c.run(entry);
        if (r !== NO_RESULT) return r;
      }
      return NO_RESULT;
    };
    return { select, keyHint: only };
  });
}

function compileClause(clause: unknown, path: string): { run: Selector; exactKey: { key: unknown } | undefined } {
  if (clause === null || typeof clause !== 'object' || isArray(clause) || !isPlainObject(clause)) {
    throw new MatchSpecError(path, clause, '{ match?: { key?, ref?, value? }, guards?: [...], result? }');
  }
  const fields = new Map(ownDataKeys(clause, path));
  for (const name of fields.keys()) {
    if (name !== 'match' && name !== 'guards' && name !== 'result')
      throw new MatchSpecError(`${path}.${name}`, clause, 'one of match, guards, result');
  }
  const match = fields.get('match') ?? {};
  if (match === null || typeof match !== 'object' || isArray(match) || !isPlainObject(match)) {
    throw new MatchSpecError(`${path}.match`, match, '{ key?, ref?, value? }');
  }
  const parts = new Map(ownDataKeys(match, `${path}.match`));
  for (const name of parts.keys()) {
    if (name !== 'key' && name !== 'ref' && name !== 'value')
      throw new MatchSpecError(`${path}.match.${name}`, match, 'one of key, ref, value');
  }
  const scope = new Scope();
  const part = (name: string) => (parts.has(name) ? compilePattern(parts.get(name), scope, `${path}.match.${name}`, 0) : undefined);
  const key = part('key');
  const ref = part('ref');
  const value = part('value');
  const guards = compileGuards(fields.get('guards'), scope, `${path}.guards`);
  const result = fields.has('result')
    ? compileTemplate(fields.get('result'), scope, `${path}.result`, 0)
    : compileOperand(ENTRY, scope, path, 0);
  const k = parts.get('key');
  const exactKey = parts.has('key') && isExact(k) ? { key: k instanceof MatchConst ? k.value : k } : undefined;
  return {
    exactKey,
    run: (entry) => {
      const b: Bindings = [];
      if (key !== undefined && !key(entry.key, b)) return NO_RESULT;
      if (ref !== undefined && !ref(entry.ref, b)) return NO_RESULT;
      if (value !== undefined && !value(entry.value, b)) return NO_RESULT;
      if (guards !== undefined && !guards(b, entry)) return NO_RESULT;
      return result(b, entry);
    },
  };
}

/** A key pattern that only one Map key can match: a primitive, `Match.const`, or an object other than a pattern. */
function isExact(p: unknown): boolean {
  if (p === null || (typeof p !== 'object' && typeof p !== 'function')) return true;
  if (p instanceof MatchConst) return true;
  if (p instanceof MatchVar || p instanceof MatchWildcard || p instanceof MatchEntry) return false;
  return !isArray(p) && !(typeof p === 'object' && isPlainObject(p));
}
