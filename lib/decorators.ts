import { DecoratorError } from './errors';
import { UNTAGGED, recordHandler, recordSingleton, type HandlerKind } from './metadata';
import type {
  CallHandler,
  CallTag,
  CastHandler,
  CastTag,
  ContinueHandler,
  ContinueTag,
  FormatStatusHandler,
  HandledInfoTag,
  InfoHandler,
  InitHandler,
  Method,
  MethodNames,
  TerminateHandler,
} from './types';

// Decorators only write metadata; `routerFor` in metadata.ts reads and validates it. Each works in
// both standards: TypeScript's experimentalDecorators call `(prototype, key, descriptor)`, TC39
// standard decorators call `(method, context)`.
//
// Their types check the decorated method against the server's declared protocol and state
// (lib/types.ts): every decorator is generic over the class (`This`) and the method's type (`F`),
// and `F` must fit the handler shape derived from `This` and the tag. Each type has one signature
// per standard; TypeScript picks the one its decorator mode calls.
//
// The TC39 signature comes first and the experimentalDecorators one last, on purpose. Under TC39
// decorators the experimental signature (three parameters) never fits the two arguments, so only
// the TC39 one is tried. Under experimentalDecorators both are tried, and when the handler is wrong
// TypeScript 7 reports only the *last* overload's error: it must be the experimental one, which
// names the mismatched payload, state or return type (the TC39 one would only say that the
// prototype is not a function). spec/type_diagnostics.spec.ts holds the messages to this.

type AnyFn = (...args: never[]) => unknown;

/** The decorator returned by `@handleCall(tag)` and friends; usable in either standard. */
export interface MethodDecorator {
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): void;
  (value: AnyFn, context: ClassMethodDecoratorContext): void;
}

/** What `@handleCall('tag')` applies: the method must fit call `Tag` of its class's protocol. */
export interface CallDecorator<Tag extends string> {
  <This, F extends CallHandler<This, Tag>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends CallHandler<This, Tag>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/** What `@handleCast('tag')` applies: the method must fit cast `Tag` of its class's protocol. */
export interface CastDecorator<Tag extends string> {
  <This, F extends CastHandler<This, Tag>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends CastHandler<This, Tag>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/** What `@handleInfo('tag')` applies: the method must fit info `Tag` (declared, or EXIT/DOWN/timeout). */
export interface InfoDecorator<Tag extends string> {
  <This, F extends InfoHandler<This, Tag>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends InfoHandler<This, Tag>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/**
 * What `@handleContinue('tag')` applies: `(payload, state)` returning noreply/stop; the tag and
 * payload must fit continue `Tag` when the protocol declares `continues`.
 */
export interface ContinueDecorator<Tag extends string> {
  <This, F extends ContinueHandler<This, Tag>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends ContinueHandler<This, Tag>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/**
 * The tag of a bare decorator under experimentalDecorators, which types the key `string`: the
 * public method of `This` whose type is `F`, or any accepted tag (`Fallback`) for a private one.
 */
type NameOf<This, F, Fallback extends string> = [MethodNames<This, F>] extends [never] ? Fallback : MethodNames<This, F>;

/** `handleCall`: `@handleCall('tag')`, or bare `@handleCall` (the method's name is the tag). */
export interface HandleCall {
  <const Tag extends string>(tag: Tag): CallDecorator<Tag>;
  <This, F extends CallHandler<This, Name>, Name extends string>(
    method: F,
    context: ClassMethodDecoratorContext<This, F & Method<This>> & { name: Name },
  ): void;
  <This, F>(
    prototype: This,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F & CallHandler<This, NameOf<This, F, CallTag<This>>>>,
  ): void;
}

/** `handleCast`: `@handleCast('tag')`, or bare `@handleCast` (the method's name is the tag). */
export interface HandleCast {
  <const Tag extends string>(tag: Tag): CastDecorator<Tag>;
  <This, F extends CastHandler<This, Name>, Name extends string>(
    method: F,
    context: ClassMethodDecoratorContext<This, F & Method<This>> & { name: Name },
  ): void;
  <This, F>(
    prototype: This,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F & CastHandler<This, NameOf<This, F, CastTag<This>>>>,
  ): void;
}

/** `handleInfo`: `@handleInfo('tag')`, or bare `@handleInfo` (the method's name is the tag). */
export interface HandleInfo {
  <const Tag extends string>(tag: Tag): InfoDecorator<Tag>;
  <This, F extends InfoHandler<This, Name>, Name extends string>(
    method: F,
    context: ClassMethodDecoratorContext<This, F & Method<This>> & { name: Name },
  ): void;
  <This, F>(
    prototype: This,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F & InfoHandler<This, NameOf<This, F, HandledInfoTag<This>>>>,
  ): void;
}

/** `handleContinue`: `@handleContinue('tag')`, or bare `@handleContinue` (the method's name is the tag). */
export interface HandleContinue {
  <const Tag extends string>(tag: Tag): ContinueDecorator<Tag>;
  <This, F extends ContinueHandler<This, Name>, Name extends string>(
    method: F,
    context: ClassMethodDecoratorContext<This, F & Method<This>> & { name: Name },
  ): void;
  <This, F>(
    prototype: This,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F & ContinueHandler<This, NameOf<This, F, ContinueTag<This>>>>,
  ): void;
}

/** `init`: `@init` (or `@init()`) on the method that builds the state from the start argument. */
export interface Init {
  (): Init;
  <This, F extends InitHandler<This>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends InitHandler<This>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/** `terminate`: `@terminate` (or `@terminate()`) on the method run when the server exits. */
export interface Terminate {
  (): Terminate;
  <This, F extends TerminateHandler<This>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends TerminateHandler<This>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

/** `formatStatus`: `@formatStatus` (or `@formatStatus()`) on the method that shapes what views show. */
export interface FormatStatus {
  (): FormatStatus;
  <This, F extends FormatStatusHandler<This>>(method: F, context: ClassMethodDecoratorContext<This, F & Method<This>>): void;
  <This, F extends FormatStatusHandler<This>>(prototype: This, key: string | symbol, descriptor: TypedPropertyDescriptor<F>): void;
}

function isContext(x: unknown): x is DecoratorContext {
  return typeof x === 'object' && x !== null && 'kind' in x && 'metadata' in x;
}

function writer(decorator: string, kind: HandlerKind, tag: string | undefined) {
  return (target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): void => {
    if (isContext(keyOrContext)) {
      const ctx = keyOrContext;
      const member = `${String(ctx.name ?? 'a class')}`;
      if (ctx.kind !== 'class' && ctx.static) {
        // A TC39 context does not name the class; a static initializer runs with `this` the class
        // while it is still being defined, so the error can name `Class.member` as in the
        // experimental standard, and is still thrown by the class definition.
        const fix =
          ctx.kind === 'method'
            ? 'put it on an instance method, not a static one.'
            : `put it on an instance method, not on a static ${ctx.kind}.`;
        ctx.addInitializer(function (this: unknown) {
          throw new DecoratorError(decorator, `${(this as { name?: string }).name || 'a class'}.${member}`, fix);
        });
        return;
      }
      if (ctx.kind !== 'method') {
        throw new DecoratorError(decorator, member, `put it on a method, not on a ${ctx.kind}.`);
      }
      if (typeof ctx.name !== 'string' && !UNTAGGED.has(kind) && tag === undefined) {
        throw new DecoratorError(decorator, member, `give the tag: @${decorator}('tag').`);
      }
      if (!ctx.metadata) {
        throw new DecoratorError(decorator, member, 'Symbol.metadata is missing; import the library before your classes.');
      }
      const t = UNTAGGED.has(kind) ? undefined : (tag ?? (ctx.name as string));
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
    if (typeof key !== 'string' && !UNTAGGED.has(kind) && tag === undefined) {
      throw new DecoratorError(decorator, member, `give the tag: @${decorator}('tag').`);
    }
    const t = UNTAGGED.has(kind) ? undefined : (tag ?? (key as string));
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
export const handleCall = tagged('handleCall', 'call') as HandleCall;

/** Marks the method that handles casts tagged `tag` (or the method's name): `(payload, state)`. */
export const handleCast = tagged('handleCast', 'cast') as HandleCast;

/** Marks the method that handles info messages (`GenServer.send`, timers, EXIT, DOWN) tagged `tag`. */
export const handleInfo = tagged('handleInfo', 'info') as HandleInfo;

/** Marks the method run by a `{ continue: tag }` return option, before any queued message. */
export const handleContinue = tagged('handleContinue', 'continue') as HandleContinue;

function bare(decorator: string, kind: 'init' | 'terminate' | 'formatStatus') {
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
export const init = bare('init', 'init') as Init;

/** Marks the method run when the server stops or crashes: `(reason, state)`; may be async. */
export const terminate = bare('terminate', 'terminate') as Terminate;

/**
 * Marks the method that shapes what every view of the server shows of its state and messages (OTP's
 * `format_status/1`): crash reports, `GenServer.getStatus`, tracing, the Observer, and the exit
 * reason in `GenServer.info`. It gets `{ state, message?, messages?, reason? }` (only the keys the
 * view shows, `state` always) and returns the keys it changes; the rest are shown as given. It must
 * be synchronous. If it throws or returns something else, the view shows a placeholder in place of
 * the state and of each message payload, and nothing else is affected. Optional; without it, views
 * show the state as it is.
 *
 * ```ts
 * @formatStatus
 * redact(status: Status<Session>) { return { state: { ...status.state, token: '<redacted>' } }; }
 * ```
 */
export const formatStatus = bare('formatStatus', 'formatStatus') as FormatStatus;

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
