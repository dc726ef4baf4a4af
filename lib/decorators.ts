import { DecoratorError } from './errors';
import { recordHandler, recordSingleton, type HandlerKind } from './metadata';

// Decorators only write metadata; `routerFor` in metadata.ts reads and validates it. Each works in
// both standards: TypeScript's experimentalDecorators call `(prototype, key, descriptor)`, TC39
// standard decorators call `(method, context)`.

type AnyFn = (...args: never[]) => unknown;

/** The decorator returned by `@handleCall(tag)` and friends; usable in either standard. */
export interface MethodDecorator {
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  (value: AnyFn, context: ClassMethodDecoratorContext): void;
}

function isContext(x: unknown): x is DecoratorContext {
  return typeof x === 'object' && x !== null && 'kind' in x && 'metadata' in x;
}

function writer(decorator: string, kind: HandlerKind, tag: string | undefined) {
  return function (target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): void {
    if (isContext(keyOrContext)) {
      const ctx = keyOrContext;
      const member = `${String(ctx.name ?? 'a class')}`;
      if (ctx.kind !== 'method') {
        throw new DecoratorError(decorator, member, `put it on a method, not on a ${ctx.kind}.`);
      }
      if (ctx.static) throw new DecoratorError(decorator, member, 'put it on an instance method, not a static one.');
      if (typeof ctx.name !== 'string' && kind !== 'init' && kind !== 'terminate' && tag === undefined) {
        throw new DecoratorError(decorator, member, `give the tag: @${decorator}('tag').`);
      }
      if (!ctx.metadata) {
        throw new DecoratorError(decorator, member, 'Symbol.metadata is missing; import the library before your classes.');
      }
      const t = kind === 'init' || kind === 'terminate' ? undefined : (tag ?? (ctx.name as string));
      recordHandler({ metadata: ctx.metadata as Record<PropertyKey, unknown> }, { kind, tag: t, method: ctx.name }, decorator, member);
      return;
    }
    const key = keyOrContext as string | symbol;
    const owner = typeof target === 'function' ? target : (target as object)?.constructor;
    const member = `${owner?.name ?? 'a class'}.${String(key)}`;
    if (typeof target === 'function') {
      throw new DecoratorError(decorator, member, 'put it on an instance method, not a static one.');
    }
    if (!descriptor || typeof descriptor.value !== 'function') {
      throw new DecoratorError(decorator, member, 'put it on a method; it does not work on a property or accessor.');
    }
    if (typeof key !== 'string' && kind !== 'init' && kind !== 'terminate' && tag === undefined) {
      throw new DecoratorError(decorator, member, `give the tag: @${decorator}('tag').`);
    }
    const t = kind === 'init' || kind === 'terminate' ? undefined : (tag ?? (key as string));
    recordHandler({ prototype: target as object }, { kind, tag: t, method: key }, decorator, member);
  };
}

function tagged(decorator: string, kind: HandlerKind) {
  function factoryOrDecorator(tag: string): MethodDecorator;
  function factoryOrDecorator(target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  function factoryOrDecorator(value: AnyFn, context: ClassMethodDecoratorContext): void;
  function factoryOrDecorator(a: unknown, b?: unknown, c?: unknown): MethodDecorator | void {
    if (typeof a === 'string') {
      if (a.length === 0) throw new DecoratorError(decorator, `('')`, 'a tag must be a non-empty string.');
      return wrap(decorator, kind, a);
    }
    if (b === undefined) {
      throw new DecoratorError(decorator, `(${String(a)})`, `the tag must be a string, as in @${decorator}('increment').`);
    }
    wrap(decorator, kind, undefined)(a as never, b as never, c as never);
  }
  return factoryOrDecorator;
}

function wrap(decorator: string, kind: HandlerKind, tag: string | undefined): MethodDecorator {
  return writer(decorator, kind, tag) as MethodDecorator;
}

/**
 * Marks the method that answers calls tagged `tag`. Without a tag (`@handleCall`), the method's name
 * is the tag. The method gets `(payload, state, from)` and returns `reply(value, newState)`,
 * `noreply(newState)` or `stop(reason, newState, reply?)`, or a promise of one.
 *
 * ```ts
 * @handleCall('add')
 * add(n: number, state: number) { return reply(state + n, state + n); }
 * ```
 */
export const handleCall = tagged('handleCall', 'call');

/** Marks the method that handles casts tagged `tag` (or the method's name): `(payload, state)`. */
export const handleCast = tagged('handleCast', 'cast');

/** Marks the method that handles info messages (`GenServer.send`, timers, EXIT, DOWN) tagged `tag`. */
export const handleInfo = tagged('handleInfo', 'info');

/** Marks the method run by a `{ continue: tag }` return option, before any queued message. */
export const handleContinue = tagged('handleContinue', 'continue');

function bare(decorator: string, kind: 'init' | 'terminate') {
  function dec(): MethodDecorator;
  function dec(target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  function dec(value: AnyFn, context: ClassMethodDecoratorContext): void;
  function dec(a?: unknown, b?: unknown, c?: unknown): MethodDecorator | void {
    if (a === undefined) return wrap(decorator, kind, undefined);
    if (b === undefined) {
      throw new DecoratorError(decorator, `(${String(a)})`, `it takes no arguments: write @${decorator} on a method.`);
    }
    wrap(decorator, kind, undefined)(a as never, b as never, c as never);
  }
  return dec;
}

/**
 * Marks the method that builds the initial state from the start argument: it returns the state,
 * `noreply(state, options)`, `ignore()`, or a promise of one. Optional: without it the state is
 * the start argument. If it throws, `start` rejects with that error.
 */
export const init = bare('init', 'init');

/** Marks the method run when the server stops or crashes: `(reason, state)`; may be async. */
export const terminate = bare('terminate', 'terminate');

/**
 * Registers the server under its class: `start` uses the class as the name, and the class can be
 * passed wherever a ref is taken (`GenServer.call(Counter, 'increment')`).
 */
export function singleton<C extends Function>(target: C, context?: ClassDecoratorContext): void {
  if (typeof target !== 'function') {
    throw new DecoratorError('singleton', String(target), 'put it on a class.');
  }
  if (context !== undefined) {
    if (context.kind !== 'class') throw new DecoratorError('singleton', String(context.name), 'put it on a class.');
    recordSingleton({ metadata: context.metadata as Record<PropertyKey, unknown> });
  } else {
    recordSingleton(target);
  }
}
