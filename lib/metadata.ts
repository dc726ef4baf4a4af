import 'reflect-metadata';
import { DecoratorError } from './errors';

// Node 20 has no Symbol.metadata; TC39 decorators (and TypeScript's emit of them) only hand out
// `context.metadata` when it exists. Installing it here, on first import of the library, happens
// before any user class that imports our decorators is evaluated.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

/** Metadata keys, namespaced so they never meet anyone else's. */
export const HANDLERS_KEY = 'genserver:handlers';
export const SINGLETON_KEY = 'genserver:singleton';

export type HandlerKind = 'init' | 'call' | 'cast' | 'info' | 'continue' | 'terminate' | 'formatStatus';

/** The kinds a class has at most one of: no tag. */
export const UNTAGGED: ReadonlySet<HandlerKind> = new Set<HandlerKind>(['init', 'terminate', 'formatStatus']);

/** One decorated method, as a decorator wrote it down. */
export interface HandlerEntry {
  readonly kind: HandlerKind;
  readonly tag: string | undefined;
  readonly method: string | symbol;
}

/** A handler as the dispatcher uses it. */
export interface Handler {
  readonly kind: HandlerKind;
  readonly tag: string | undefined;
  /** `Class.prototype.method`, for messages and crash reports. */
  readonly name: string;
  readonly fn: (this: unknown, ...args: unknown[]) => unknown;
  /** `fn` is an `async` function (known once, so the dispatcher need not look per message). */
  readonly async: boolean;
  /** Calls `fn` on `server` with a message's payload, the state and the message: see `invoker`. */
  readonly invoke: (server: object, payload: unknown, state: unknown, msg: unknown) => unknown;
}

/** A class's message router, built once by `routerFor` and cached. */
export interface Router {
  readonly className: string;
  readonly singleton: boolean;
  readonly init: Handler | undefined;
  readonly terminate: Handler | undefined;
  /** `@formatStatus`: shapes what crash reports, getStatus, tracing and the Observer show (format_status.ts). */
  readonly formatStatus: Handler | undefined;
  readonly calls: ReadonlyMap<string, Handler>;
  readonly casts: ReadonlyMap<string, Handler>;
  readonly infos: ReadonlyMap<string, Handler>;
  readonly continues: ReadonlyMap<string, Handler>;
  /** The last lookup (message kind and tag → handler): servers mostly get runs of one message. */
  readonly last: { kind: number; tag: string | undefined; handler: Handler | undefined };
}

type Metadata = Record<PropertyKey, unknown>;

const AsyncFunction = (async () => undefined).constructor;

/**
 * A function that calls the handler `fn` (the class's method) on a server, one per handler:
 * the dispatcher calls every handler from one place, where `fn.call(server, ...)` would go through
 * V8's generic call builtin and never inline the handler; inside a function of its own `fn` is a
 * constant, so where that function is inlined the handler is too. It reads nothing off the server,
 * so the code it is inlined into does not depend on the server class's hidden class either (which
 * V8 drops, deoptimizing that code, when the last server of the class has exited).
 */
function invoker(fn: Handler['fn']): Handler['invoke'] {
  return (server, payload, state, msg) => fn.call(server, payload, state, msg);
}

/** The handler for a message of `kind` (CALL, CAST, INFO or CONTINUE, see process/message.ts) and `tag`. */
export function route(router: Router, kind: number, tag: string): Handler | undefined {
  // The kinds' numbers are message.ts's; spelled out here so metadata.ts imports nothing from the runtime.
  return kind === 0
    ? router.calls.get(tag)
    : kind === 1
      ? router.casts.get(tag)
      : kind === 2
        ? router.infos.get(tag)
        : router.continues.get(tag);
}

/**
 * The only writer: appends one entry to the class's *own* list (never the parent's, which
 * `Reflect.getMetadata` or the metadata prototype chain could hand back), rejecting a second
 * handler for the same message in the same class.
 */
export function recordHandler(
  owner: { prototype: object } | { metadata: Metadata },
  entry: HandlerEntry,
  decorator: string,
  member: string,
): void {
  let list: HandlerEntry[];
  if ('metadata' in owner) {
    const meta = owner.metadata;
    list = Object.hasOwn(meta, HANDLERS_KEY) ? (meta[HANDLERS_KEY] as HandlerEntry[]) : (meta[HANDLERS_KEY] = []);
  } else {
    list = (Reflect.getOwnMetadata(HANDLERS_KEY, owner.prototype) as HandlerEntry[] | undefined) ?? [];
    if (!Reflect.hasOwnMetadata(HANDLERS_KEY, owner.prototype)) {
      Reflect.defineMetadata(HANDLERS_KEY, list, owner.prototype);
    }
  }
  const clash = list.find((e) => e.kind === entry.kind && e.tag === entry.tag);
  if (clash) {
    const what = entry.tag === undefined ? `a second @${decorator}` : `a second handler for '${entry.tag}'`;
    throw new DecoratorError(
      decorator,
      member,
      `${what} in one class (already on ${String(clash.method)}). Keep one method per message; ` +
        `a subclass may override its parent's handler instead.`,
    );
  }
  list.push(entry);
}

/** Marks a class as a singleton (registered under itself). */
export function recordSingleton(owner: Function | { metadata: Metadata }): void {
  if (typeof owner === 'function') Reflect.defineMetadata(SINGLETON_KEY, true, owner);
  else owner.metadata[SINGLETON_KEY] = true;
}

function ownMetadata(cls: Function): Metadata | undefined {
  const meta = (cls as unknown as Record<symbol, Metadata | undefined>)[Symbol.metadata as symbol];
  return meta ?? undefined;
}

function ownEntries(cls: Function): readonly HandlerEntry[] {
  const experimental = Reflect.getOwnMetadata(HANDLERS_KEY, cls.prototype) as HandlerEntry[] | undefined;
  const meta = ownMetadata(cls);
  const standard = meta && Object.hasOwn(meta, HANDLERS_KEY) ? (meta[HANDLERS_KEY] as HandlerEntry[]) : undefined;
  if (experimental && standard) return [...experimental, ...standard];
  return experimental ?? standard ?? [];
}

function isSingleton(cls: Function): boolean {
  if (Reflect.hasOwnMetadata(SINGLETON_KEY, cls)) return true;
  const meta = ownMetadata(cls);
  return meta !== undefined && Object.hasOwn(meta, SINGLETON_KEY);
}

const routers = new WeakMap<Function, Router>();

/**
 * The one reader: walks the class chain from the root down, so a subclass's handler for a message
 * replaces its parent's, and resolves each method through the subclass's prototype, so a plain
 * override of a decorated method is honoured. Built once per class.
 */
export function routerFor(cls: Function, root: Function): Router {
  let router = routers.get(cls);
  if (router) return router;
  const chain: Function[] = [];
  for (let c: Function = cls; c && c !== root && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const maps = { call: new Map<string, Handler>(), cast: new Map(), info: new Map(), continue: new Map() };
  let init: Handler | undefined;
  let terminate: Handler | undefined;
  let formatStatus: Handler | undefined;
  const proto = cls.prototype as Record<string | symbol, unknown>;
  for (const c of chain) {
    for (const entry of ownEntries(c)) {
      const fn = proto[entry.method];
      const handler: Handler = {
        kind: entry.kind,
        tag: entry.tag,
        name: `${cls.name}.${String(entry.method)}`,
        fn: fn as Handler['fn'],
        async: typeof fn === 'function' && fn.constructor === AsyncFunction,
        invoke: invoker(fn as Handler['fn']),
      };
      if (entry.kind === 'init') init = handler;
      else if (entry.kind === 'terminate') terminate = handler;
      else if (entry.kind === 'formatStatus') formatStatus = handler;
      else maps[entry.kind].set(entry.tag!, handler);
    }
  }
  router = {
    className: cls.name,
    singleton: isSingleton(cls),
    init,
    terminate,
    formatStatus,
    calls: maps.call,
    casts: maps.cast,
    infos: maps.info,
    continues: maps.continue,
    last: { kind: -1, tag: undefined, handler: undefined },
  };
  routers.set(cls, router);
  return router;
}
