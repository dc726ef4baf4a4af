import type { DownMessage, ExitMessage } from './process/links';
import type { FormattedStatus, Status } from './process/format_status';
import type { ViaName } from './process/names';
import type { ServerRef } from './process/ref';
import type { ContinueValue, Ignore, NoReply, Reply, Stop } from './returns';

// Types only: a server's protocol, declared once as `GenServer`'s second type parameter, and
// everything derived from it — client signatures (lib/client.ts, lib/sys.ts), handler shapes
// (lib/decorators.ts) and `start`'s argument (lib/gen_server.ts). Nothing here exists at run time.

/**
 * What a server accepts. Every part is optional; a part left out accepts nothing (except the
 * infos the runtime itself delivers: `EXIT`, `DOWN` and `timeout`).
 *
 * ```ts
 * class Counter extends GenServer<number, {
 *   init: number;                                       // Counter.start(arg: number)
 *   calls: { add: [payload: number, reply: number];     // GenServer.call(ref, 'add', 10): Promise<number>
 *            get: [payload: void, reply: number] };     // void payload: GenServer.call(ref, 'get')
 *   casts: { reset: void };                             // GenServer.cast(ref, 'reset')
 *   infos: { tick: void };                              // GenServer.send(ref, 'tick')
 *   continues: { load: string };                        // @handleContinue('load'), { continue: ['load', id] }
 * }> { ... }
 * ```
 *
 * Write the parts as type literals (inline or a `type` alias), not as interfaces: TypeScript
 * only lets type literals stand where a map of tags is expected.
 */
export interface Protocol {
  /** The argument of `start`/`startLink`, handed to `@init`. Default: not checked. */
  init?: unknown;
  /** Call tags, each with `[payload, reply]`. */
  calls?: { readonly [tag: string]: readonly [payload: unknown, reply: unknown] };
  /** Cast tags, each with its payload. */
  casts?: { readonly [tag: string]: unknown };
  /** Info tags (`GenServer.send`, `this.sendAfter`), each with its payload. */
  infos?: { readonly [tag: string]: unknown };
  /**
   * Continue tags (`@handleContinue`, the `continue` return option), each with its payload.
   * Left out: any tag, payloads unchecked.
   */
  continues?: { readonly [tag: string]: unknown };
}

/** Where `GenServer` keeps its protocol for the types; never set at run time. */
export declare const PROTOCOL: unique symbol;

/**
 * The protocol of a server type: what its class declared, or `Protocol` itself (everything
 * accepted, payloads and replies `unknown`) for a server that declared none, a plain name, or an
 * unknown server.
 */
export type ProtocolOf<S> = S extends { readonly [PROTOCOL]?: infer P } ? (P extends Protocol ? P : Protocol) : Protocol;

/** The state type of a server type (`unknown` when it declared none). */
export type StateOf<S> = S extends { readonly __state?: readonly [state: infer T] } ? T : unknown;

/** True when `P` declares something; a server that declares nothing stays untyped. */
export type IsTyped<P> = Protocol extends P ? false : true;

type Part<T> = [T] extends [object] ? T : {};
/** The parts of a protocol; a part left out is `{}`: no tags. */
export type Calls<P> = P extends { readonly calls?: infer C } ? Part<NonNullable<C>> : {};
export type Casts<P> = P extends { readonly casts?: infer C } ? Part<NonNullable<C>> : {};
export type Infos<P> = P extends { readonly infos?: infer C } ? Part<NonNullable<C>> : {};
/** The continues a protocol declares; when it declares none, any tag (payload `unknown`). */
export type Continues<P> =
  DeclaresContinues<P> extends true
    ? P extends { readonly continues?: infer C }
      ? Part<NonNullable<C>>
      : {}
    : { readonly [tag: string]: unknown };
/** True when `P` is a typed protocol with a `continues` part. */
export type DeclaresContinues<P> = IsTyped<P> extends true ? ('continues' extends keyof P ? true : false) : false;

// ---- the client side ----------------------------------------------------------------------------

/**
 * What a server type carries its protocol in. The client functions infer `P` from a ref through
 * it (rather than taking the server type `S` and computing `ProtocolOf<S>`), so that a ref typed
 * `ServerRef<this>` — `this.self` inside a server — resolves to its class's protocol too.
 */
export interface Carrier<P> {
  readonly [PROTOCOL]?: P;
}
/** A ref or class that carries protocol `P`; client functions also take any `ServerTarget`. */
export type TypedTarget<P> = ServerRef<Carrier<P>> | ViaName<Carrier<P>> | (abstract new (...args: never[]) => Carrier<P>);

type EntryPayload<E> = E extends readonly [infer A, unknown] ? A : unknown;
type EntryReply<E> = E extends readonly [unknown, infer R] ? R : unknown;

/** The payload of call `K` in protocol `P`. */
export type PayloadOfCall<P, K extends string> = EntryPayload<Calls<P>[K & keyof Calls<P>]>;
/** What call `K` of protocol `P` replies. */
export type ReplyOfCall<P, K extends string> = EntryReply<Calls<P>[K & keyof Calls<P>]>;
/** The payload of cast `K` in protocol `P`. */
export type PayloadOfCast<P, K extends string> = Casts<P>[K & keyof Casts<P>];
/** The payload of info `K` in protocol `P`. */
export type PayloadOfInfo<P, K extends string> = Infos<P>[K & keyof Infos<P>];

/** The call tags a server type accepts (`string` for an untyped one). */
export type CallTag<S> = keyof Calls<ProtocolOf<S>> & string;
/** The cast tags a server type accepts. */
export type CastTag<S> = keyof Casts<ProtocolOf<S>> & string;
/** The info tags `GenServer.send` may deliver to a server type. */
export type InfoTag<S> = keyof Infos<ProtocolOf<S>> & string;
/** The payload of call `K` of a server type. */
export type CallPayload<S, K extends string> = PayloadOfCall<ProtocolOf<S>, K>;
/** What call `K` of a server type replies. */
export type CallReply<S, K extends string> = ReplyOfCall<ProtocolOf<S>, K>;
/** The payload of cast `K` of a server type. */
export type CastPayload<S, K extends string> = PayloadOfCast<ProtocolOf<S>, K>;
/** The payload of info `K` of a server type. */
export type InfoPayload<S, K extends string> = PayloadOfInfo<ProtocolOf<S>, K>;

/** A payload may be left out when it may be `undefined` (`void`, `undefined`, `unknown`). */
export type PayloadArg<T> = undefined extends T ? [payload?: T] : [payload: T];
/** The arguments after the tag of `GenServer.call`: the payload, then the timeout. */
export type CallArgs<T> = undefined extends T ? [payload?: T, timeout?: number] : [payload: T, timeout?: number];

/** The argument `start` takes: the protocol's `init`, or anything when it declares none. */
export type InitArg<S> = ProtocolOf<S> extends { readonly init?: infer A } ? ('init' extends keyof ProtocolOf<S> ? A : unknown) : unknown;

// ---- the server side: what a decorated handler must look like ----------------------------------

type Awaitable<T> = T | PromiseLike<T>;

/**
 * Any method of `This`: what a TC39 decorator context requires of the decorated value. Declared
 * as a method so that its parameters compare bivariantly: every method fits, whatever it takes.
 */
export type Method<This> = { method(this: This, ...args: unknown[]): unknown }['method'];

/** An opaque handle on a call in progress, for a deferred `GenServer.reply(from, value)`; `R` is the reply type. */
export interface From<R = unknown> {
  /** Phantom: the reply type; never set. */
  readonly __reply?: R;
}

/** The infos the runtime delivers by itself, with their payloads. */
export interface BuiltinInfos {
  /** A linked server exited (while trapping exits). */
  EXIT: ExitMessage;
  /** A monitored server went down. */
  DOWN: DownMessage;
  /** No message arrived within a `{ timeout: ms }` return option. */
  timeout: undefined;
}

// Untyped servers check no payload: the handler may declare any payload type (as before). Their
// state parameter is checked once the class declares a State. Returns are checked on every server,
// typed or not: a plain value, nothing, or `reply` from a cast would only crash at run time
// (BadReturnError); with no State declared, the state inside a return is `unknown`.
type Checked<P, T> = IsTyped<P> extends true ? T : never;
type StateParam<S> = unknown extends S ? never : S;

/** The shape a `@handleCall(Tag)` method must have on a server of type `This`. */
export type CallHandler<This, Tag extends string> =
  Tag extends CallTag<This>
    ? (
        this: This,
        payload: Checked<ProtocolOf<This>, CallPayload<This, Tag>>,
        state: StateParam<StateOf<This>>,
        from: From<CallReply<This, Tag>>,
      ) => Awaitable<CallReturn<CallReply<This, Tag>, StateOf<This>, ContinueOption<This>>>
    : // Spelled out, not aliased, so that the compiler's message shows the tag and the accepted tags.
      Method<This> & { 'error: not a call of this server': Tag; 'calls it accepts': keyof Calls<ProtocolOf<This>> & string };

/** The shape a `@handleCast(Tag)` method must have on a server of type `This`. */
export type CastHandler<This, Tag extends string> =
  Tag extends CastTag<This>
    ? (
        this: This,
        payload: Checked<ProtocolOf<This>, CastPayload<This, Tag>>,
        state: StateParam<StateOf<This>>,
      ) => Awaitable<ReturnWithoutReply<StateOf<This>, ContinueOption<This>>>
    : Method<This> & { 'error: not a cast of this server': Tag; 'casts it accepts': keyof Casts<ProtocolOf<This>> & string };

/** The continue tags a server type accepts (`string` when it declares no `continues`). */
export type ContinueTag<S> = keyof Continues<ProtocolOf<S>> & string;
/** The payload of continue `K` of a server type. */
export type ContinuePayload<S, K extends string> = Continues<ProtocolOf<S>>[K & keyof Continues<ProtocolOf<S>>];

/**
 * The `continue` return option a server of type `S` may give: a declared tag whose payload may be
 * `undefined`, or `[tag, payload]`. Any tag and payload when it declares no `continues`.
 */
export type ContinueOption<S> =
  DeclaresContinues<ProtocolOf<S>> extends true
    ? { [K in ContinueTag<S>]: (undefined extends ContinuePayload<S, K> ? K : never) | readonly [K, ContinuePayload<S, K>] }[ContinueTag<S>]
    : ContinueValue;

/** The info tags a `@handleInfo` method may take: the declared ones and the runtime's own. */
export type HandledInfoTag<This> = InfoTag<This> | (keyof BuiltinInfos & string);
type HandledInfoPayload<This, Tag extends string> =
  Tag extends InfoTag<This> ? InfoPayload<This, Tag> : BuiltinInfos[Tag & keyof BuiltinInfos];

/** The shape a `@handleInfo(Tag)` method must have on a server of type `This`. */
export type InfoHandler<This, Tag extends string> =
  Tag extends HandledInfoTag<This>
    ? (
        this: This,
        payload: Checked<ProtocolOf<This>, HandledInfoPayload<This, Tag>>,
        state: StateParam<StateOf<This>>,
      ) => Awaitable<ReturnWithoutReply<StateOf<This>, ContinueOption<This>>>
    : Method<This> & {
        'error: not an info of this server': Tag;
        'infos it accepts': (keyof Infos<ProtocolOf<This>> & string) | 'EXIT' | 'DOWN' | 'timeout';
      };

/**
 * The shape a `@handleContinue(Tag)` method must have on a server of type `This`. When the
 * protocol declares no `continues`, any tag is accepted and the payload is not checked.
 */
export type ContinueHandler<This, Tag extends string> =
  Tag extends ContinueTag<This>
    ? (
        this: This,
        payload: DeclaresContinues<ProtocolOf<This>> extends true ? ContinuePayload<This, Tag> : never,
        state: StateParam<StateOf<This>>,
      ) => Awaitable<ReturnWithoutReply<StateOf<This>, ContinueOption<This>>>
    : Method<This> & { 'error: not a continue of this server': Tag; 'continues it accepts': keyof Continues<ProtocolOf<This>> & string };

/**
 * The shape of an `@init` method: the start argument in (checked when the protocol declares
 * `init`), the state (or a return value) out.
 */
export type InitHandler<This> = (
  this: This,
  arg: 'init' extends keyof ProtocolOf<This> ? Checked<ProtocolOf<This>, InitArg<This>> : never,
) => Awaitable<StateOf<This> | NoReply<StateOf<This>, ContinueOption<This>> | Ignore | Stop<StateOf<This>, never>>;

/** The shape of a `@terminate` method: `(reason, state)`. */
export type TerminateHandler<This> = (this: This, reason: Checked<ProtocolOf<This>, unknown>, state: StateParam<StateOf<This>>) => unknown;

/**
 * The shape of a `@formatStatus` method: the status in (its `state` typed by the class's state), the
 * keys it changes out, synchronously.
 */
export type FormatStatusHandler<This> = (this: This, status: Status<StateParam<StateOf<This>>>) => FormattedStatus;

/** What a call handler may return (or resolve to); `C`: the `continue` options it may give. */
export type CallReturn<R, S, C = ContinueValue> = Reply<R, S, C> | NoReply<S, C> | Stop<S, R>;
/** What a cast, info or continue handler may return (or resolve to): no reply. */
export type ReturnWithoutReply<S, C = ContinueValue> = NoReply<S, C> | Stop<S, never>;

/**
 * The public method names of `This` whose type is `F`: how a bare `@handleCall` finds its tag
 * under experimentalDecorators, which hand the decorator a `string` key, not the literal name.
 */
export type MethodNames<This, F> = {
  [M in keyof This]-?: [This[M]] extends [F] ? ([F] extends [This[M]] ? M : never) : never;
}[keyof This] &
  string;
