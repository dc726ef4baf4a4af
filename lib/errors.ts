import { inspect, type InspectOptions } from 'node:util';

/**
 * Describes a server the way the caller named it: a ref prints as `#ServerRef<Counter.3>`,
 * a name string as `'my_counter'`, a class as its class name.
 */
export function describeServer(server: unknown): string {
  try {
    if (typeof server === 'string') return `'${server}'`;
    if (typeof server === 'function') return (server as { name?: string }).name || 'anonymous class';
    return String(server);
  } catch {
    return safeInspect(server);
  }
}

/**
 * `util.inspect`, guarded: user values are printed from inside the scheduler, where a custom inspect
 * that throws or a revoked Proxy must not escape. Such a value prints as UNINSPECTABLE.
 */
export function safeInspect(value: unknown, options: InspectOptions = { depth: 2, breakLength: Infinity }): string {
  try {
    return inspect(value, options);
  } catch {
    return UNINSPECTABLE;
  }
}

/** What a value that cannot be printed (its inspect throws, a revoked Proxy) prints as. */
export const UNINSPECTABLE = '<uninspectable value>';

/** `value instanceof Error`, false for a value whose prototype cannot even be read (a revoked Proxy). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** Prints any value briefly for an error message: `abc (string)`, `{ a: 1 }`. */
export function describeValue(value: unknown): string {
  const shown = safeInspect(value, { depth: 2, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
  return typeof value === 'object' || typeof value === 'function' ? shown : `${shown} (${typeof value})`;
}

/** The base class of every error this library raises on purpose. */
export class GenServerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A call got no reply within its timeout. The server keeps running; a late reply is dropped. */
export class CallTimeoutError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly tag: string,
    readonly timeout: number,
    /** The tag of the async handler the server was still busy with, its call not yet taken; if any. */
    readonly busyWith?: string,
  ) {
    super(
      `Call '${tag}' to ${describeServer(server)} got no reply within ${timeout} ms. ` +
        (busyWith === undefined
          ? `The server is still running and will drop the late reply; pass a longer timeout as the 4th ` +
            `argument of GenServer.call() (Infinity waits forever), or make the handler reply sooner.`
          : `The server is still busy in its async handler for '${busyWith}' and never took this call. ` +
            `If the call came from the server's own code after an await, it is a self-call, which can never ` +
            `be answered (Node cannot tell after an await: see the README): do the work directly, or ` +
            `GenServer.cast() to itself. Otherwise pass a longer timeout, or make that handler finish sooner.`),
    );
  }
}

/** No server is alive at that ref or registered under that name. */
export class NoProcError extends GenServerError {
  constructor(readonly server: unknown) {
    super(
      `No server is alive at ${describeServer(server)}: it has exited or was never started` +
        `${typeof server === 'string' ? ' under that name' : ''}. Check GenServer.isAlive() or ` +
        `GenServer.whereis() first, or supervise the server so it is restarted.`,
    );
  }
}

/** A server was started under a name that a live server already holds. */
export class AlreadyStartedError extends GenServerError {
  constructor(
    readonly serverName: unknown,
    readonly ref: unknown,
  ) {
    super(
      `A server is already registered as ${describeServer(serverName)} (${String(ref)}). ` +
        `Talk to it through GenServer.whereis(), stop it first, or start this one under another name.`,
    );
  }
}

/** A call whose tag has no `@handleCall` in the server's class. The server is unaffected. */
export class UnknownMessageError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly tag: string,
    readonly accepted: readonly string[],
    readonly kind: 'call' | 'continue' = 'call',
  ) {
    const decorator = kind === 'call' ? 'handleCall' : 'handleContinue';
    super(
      `${describeServer(server)} has no @${decorator}('${tag}'). ` +
        (accepted.length
          ? `It accepts ${kind === 'call' ? 'calls' : 'continues'}: ${accepted.map((t) => `'${t}'`).join(', ')}.`
          : `It accepts none: add a method decorated with @${decorator}('${tag}').`),
    );
  }
}

/** A server called (or stopped) itself, which would wait forever. */
export class CallingSelfError extends GenServerError {
  constructor(readonly server: unknown) {
    super(
      `${describeServer(server)} tried to call or stop itself, which would deadlock: a server handles one ` +
        `message at a time. Do the work directly in the handler, or use GenServer.cast()/send() to itself.`,
    );
  }
}

/** The server exited before it replied to this call. */
export class ServerExitError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly reason: unknown,
  ) {
    super(
      `${describeServer(server)} exited before replying, with reason ${describeReason(reason)}.`,
      isError(reason) ? { cause: reason } : undefined,
    );
  }
}

/** A task exited before it produced its result (it threw, or was killed or shut down). */
export class TaskExitError extends GenServerError {
  constructor(
    readonly task: unknown,
    readonly reason: unknown,
  ) {
    super(
      `Task ${describeServer(task)} exited before producing its result, with reason ${describeReason(reason)}.`,
      reason instanceof Error ? { cause: reason } : undefined,
    );
  }
}

/** `Task.await`, `awaitMany` or `asyncStream` waited longer than its timeout; the task was shut down. */
export class TaskTimeoutError extends GenServerError {
  constructor(
    readonly task: unknown,
    readonly timeout: number,
  ) {
    super(
      `Task ${describeServer(task)} produced no result within ${timeout} ms and was shut down. Pass a longer ` +
        `timeout (Infinity waits forever), or use Task.yield() to wait without giving up on the task.`,
    );
  }
}

/** `GenServer.stop()` waited longer than its timeout for `terminate` to finish. */
export class StopTimeoutError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly timeout: number,
  ) {
    super(
      `${describeServer(server)} did not finish terminating within ${timeout} ms; it goes on terminating. ` +
        `Pass a longer timeout to GenServer.stop(), or make @terminate faster.`,
    );
  }
}

/** A call was refused because the server's mailbox holds `maxMailbox` messages already. */
export class MailboxFullError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly tag: string,
    readonly maxMailbox: number,
  ) {
    super(
      `Call '${tag}' to ${describeServer(server)} was refused: its mailbox is full (maxMailbox ${maxMailbox}). ` +
        `The server is overloaded; retry later, spread the work over several servers, or raise maxMailbox.`,
    );
  }
}

/**
 * A frame for another node encodes to more bytes than its transport carries (NATS: the server's
 * `max_payload`, 1 MiB by default). Refused at the sender: a call rejects with it, a cast or send is
 * logged and dropped; nothing is cut or changed.
 */
export class PayloadTooLargeError extends GenServerError {
  constructor(
    readonly node: string,
    readonly size: number,
    readonly maxPayload: number,
  ) {
    super(
      `A message for node '${node}' encodes to ${size} bytes, more than the ${maxPayload} bytes its transport carries ` +
        `(NATS max_payload). Send a smaller payload (a reference to the data, or chunks), or raise max_payload on the NATS servers.`,
    );
  }
}

/** `start` gave up waiting for init (start option `timeout`); the half-started server is gone. */
export class StartTimeoutError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly timeout: number,
  ) {
    super(
      `${describeServer(server)} did not finish @init within ${timeout} ms, so it was killed. ` +
        `Make init faster (move slow work to a { continue } step), or pass a longer start option \`timeout\`.`,
    );
  }
}

/** A supervisor's child failed to start; `cause` is why. */
export class ChildStartError extends GenServerError {
  constructor(
    readonly id: string,
    readonly reason: unknown,
  ) {
    super(`Child '${id}' failed to start: ${describeReason(reason)}`, { cause: reason });
  }
}

/** A supervisor has no child with that id (or, for a DynamicSupervisor, that ref). */
export class ChildNotFoundError extends GenServerError {
  constructor(
    readonly supervisor: unknown,
    readonly id: unknown,
  ) {
    super(
      `${describeServer(supervisor)} has no child ${typeof id === 'string' ? `'${id}'` : String(id)}. Supervisor.whichChildren() lists them.`,
    );
  }
}

/** The child is running (or restarting), so it cannot be restarted or deleted now. */
export class ChildRunningError extends GenServerError {
  constructor(
    readonly supervisor: unknown,
    readonly id: string,
    readonly ref: unknown,
  ) {
    super(
      `Child '${id}' of ${describeServer(supervisor)} is running (${String(ref)}); terminate it first with Supervisor.terminateChild().`,
    );
  }
}

/** `startChild` with an id that the supervisor already has. */
export class DuplicateChildError extends GenServerError {
  constructor(
    readonly supervisor: unknown,
    readonly id: string,
    readonly ref: unknown,
  ) {
    super(
      `${describeServer(supervisor)} already has a child '${id}'${ref ? ` (${String(ref)})` : ' (not running)'}. ` +
        `Give the new child another id, or use Supervisor.restartChild()/deleteChild().`,
    );
  }
}

/** `DynamicSupervisor.startChild` beyond `maxChildren`; the child was not started. */
export class MaxChildrenError extends GenServerError {
  constructor(
    readonly supervisor: unknown,
    readonly maxChildren: number,
  ) {
    super(`${describeServer(supervisor)} already runs maxChildren (${maxChildren}) children; the new child was not started.`);
  }
}

/** `Registry.register` on a unique key that another server holds. */
export class AlreadyRegisteredError extends GenServerError {
  constructor(
    readonly key: unknown,
    readonly ref: unknown,
  ) {
    super(
      `Key ${describeValue(key)} is already registered by ${String(ref)} in this unique Registry. Look it up with Registry.lookup(), or use a duplicate-keys Registry.`,
    );
  }
}

/** A handler returned something other than reply(), noreply() or stop(): the server crashes with this. */
export class BadReturnError extends GenServerError {
  constructor(
    readonly server: unknown,
    readonly handler: string,
    readonly tag: string | undefined,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(
      `${handler}${tag === undefined ? '' : ` (tag '${tag}')`} of ${describeServer(server)} returned ` +
        `${describeValue(value)}; expected ${expected}.`,
    );
  }
}

/** A function of this library was given an argument it cannot use. */
export class ArgumentError extends GenServerError {
  constructor(
    readonly argument: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`Expected \`${argument}\` to be ${expected}, got ${describeValue(value)}.`);
  }
}

/**
 * A Registry match spec (pattern, guards, select clause) broke the language's rules: `argument` is
 * where in the spec (`'guards[0][0]'`), `value` what was found there. An ArgumentError, as in Elixir.
 */
export class MatchSpecError extends ArgumentError {}

/** A decorator was used where it cannot work; thrown while the class is being defined. */
export class DecoratorError extends GenServerError {
  constructor(
    readonly decorator: string,
    readonly member: string,
    fix: string,
  ) {
    super(`@${decorator} on ${member}: ${fix}`);
  }
}

/**
 * A value that cannot cross a node boundary: a function, a symbol, a class instance structured
 * clone would strip, a cycle. Calls (and starts, replies, state reads) reject with it; casts and
 * sends are logged and dropped instead. `path` says where in the value it sits (`payload.user.save`).
 */
export class PayloadError extends GenServerError {
  constructor(
    readonly path: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(
      `${path} cannot cross to another node: ${reason} (got ${describeValue(value)}). Send plain data ` +
        `(primitives, plain objects, arrays, Map, Set, Date, typed arrays, Errors, ServerRefs) instead.`,
    );
  }
}

/** The node a request went to is down or was never connected; the request's fate is unknown. */
export class NodeDownError extends GenServerError {
  constructor(
    readonly node: string,
    what: string = 'The request',
  ) {
    super(
      `${what} could not complete: node '${node}' is down or not connected. Monitor the node ` +
        `(this.monitorNode(node)) to learn when it goes down, or supervise what runs there.`,
    );
  }
}

/**
 * An error thrown on another node whose class this node does not know (a user's own error class):
 * it keeps the original `name` (the class name, also in `className`), `message`, `stack` and fields.
 * Built-in errors (TypeError, …) and this library's errors arrive as themselves.
 */
export class RemoteError extends GenServerError {
  readonly className: string;
  constructor(
    className: string,
    message: string,
    readonly node: string,
  ) {
    super(message);
    this.className = className;
    this.name = className;
  }
}

/** A class could not be found by its name on a node, or two classes claim one name there. */
export class ClassNameError extends GenServerError {
  constructor(
    readonly className: string,
    readonly node: string,
    detail: string,
  ) {
    super(`GenServer class '${className}' on node '${node}': ${detail}`);
  }
}

/** Shows an exit reason: an Error by its message, anything else inspected. */
export function describeReason(reason: unknown): string {
  if (isError(reason)) {
    try {
      return `${reason.name}: ${reason.message}`;
    } catch {
      // a getter that throws: print it as any other value
    }
  }
  return safeInspect(reason);
}
