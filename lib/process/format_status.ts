import { describeReason, isError, safeInspect } from '../errors';
import { CALL, CAST, CONTINUE, INFO, type Message } from './message';
import type { Name } from './names';
import type { Process } from './process';
import type { ServerRef } from './ref';
import { isThenable, type StatusName } from './status';

// OTP's format_status/1: every view of a server that prints its state or its messages — crash
// reports, GenServer.getStatus, tracing, the Observer, the exit reason in GenServer.info — asks
// here first, so a class's `@formatStatus` method decides what of its state ever leaves the process.
// Without one, the input is handed back as it is: the views pay one property read, and the hot path
// pays nothing (tracing is checked before any of this runs).

/** A message as `@formatStatus` and the views it shapes see it. `'reply'`: a traced reply to call `tag`. */
export interface StatusMessage {
  readonly kind: 'call' | 'cast' | 'info' | 'continue' | 'reply';
  readonly tag: string;
  readonly payload: unknown;
}

/**
 * What a `@formatStatus` method receives: `state` always; `message` where a view shows one (the last
 * message in a crash report, a traced message or reply), `messages` in `GenServer.getStatus` (the
 * queue), `reason` where a view shows the exit reason (crash reports, `GenServer.info` of a dead server).
 */
export interface Status<S = unknown> {
  readonly state: S;
  readonly message?: StatusMessage;
  readonly messages?: readonly StatusMessage[];
  readonly reason?: unknown;
}

/** What a `@formatStatus` method returns: the keys it changes; every key left out is shown as given. */
export interface FormattedStatus {
  readonly state?: unknown;
  readonly message?: StatusMessage;
  readonly messages?: readonly StatusMessage[];
  readonly reason?: unknown;
}

const KEYS: ReadonlySet<PropertyKey> = new Set(['state', 'message', 'messages', 'reason']);
const KINDS = { [CALL]: 'call', [CAST]: 'cast', [INFO]: 'info', [CONTINUE]: 'continue' } as Record<number, StatusMessage['kind']>;

/** A queued or handled message as a status view shows it. */
export function statusMessage(msg: Pick<Message, 'kind' | 'tag' | 'payload'>): StatusMessage {
  return { kind: KINDS[msg.kind] ?? 'info', tag: msg.tag, payload: msg.payload };
}

/**
 * The status as the server's `@formatStatus` shapes it (or `input` itself, without one). Never throws:
 * a formatter that throws, returns a promise, a non-object or an unknown key gets a placeholder in
 * place of the state and of every message payload — the reason and the tags stay, so the view keeps
 * its use — and the formatter is the one thing that failed.
 */
export function formatStatus(proc: Process, input: Status): Status {
  const handler = proc.router.formatStatus;
  if (handler === undefined) return input;
  let result: unknown;
  try {
    // A copy: a formatter that mutates its argument changes nothing a later view sees.
    const copy: Status = { ...input, ...(input.messages && { messages: [...input.messages] }) };
    result = handler.fn.call(proc.server, copy);
  } catch (error) {
    return placeholder(input, `${handler.name} (@formatStatus) threw${errorName(error)}`);
  }
  if (isThenable(result)) {
    try {
      // Its rejection must not go unhandled; its value comes too late for the view anyway.
      (result as PromiseLike<unknown>).then(undefined, () => undefined);
    } catch {
      // a `then` that throws: nothing to catch
    }
    return placeholder(input, `${handler.name} (@formatStatus) returned a promise; it must return the status at once`);
  }
  try {
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      return placeholder(input, `${handler.name} (@formatStatus) did not return an object`);
    }
    const out: Record<PropertyKey, unknown> = { ...input };
    for (const key of Reflect.ownKeys(result)) {
      if (!KEYS.has(key)) return placeholder(input, `${handler.name} (@formatStatus) returned the unknown key ${String(key)}`);
      out[key] = (result as Record<PropertyKey, unknown>)[key];
    }
    return out as unknown as Status;
  } catch {
    // A revoked Proxy, a throwing getter.
    return placeholder(input, `${handler.name} (@formatStatus) returned an unreadable value`);
  }
}

function errorName(error: unknown): string {
  // The name only: a message could quote the very state the formatter was hiding.
  try {
    return isError(error) ? ` ${String(error.name)}` : '';
  } catch {
    return '';
  }
}

function placeholder(input: Status, why: string): Status {
  const text = `<${why}>`;
  const redact = (m: StatusMessage): StatusMessage => ({ kind: m.kind, tag: m.tag, payload: text });
  return {
    ...input,
    state: text,
    ...(input.message && { message: redact(input.message) }),
    ...(input.messages && { messages: input.messages.map(redact) }),
  };
}

/** `kind 'tag' with payload` for a message as formatted (anything else a formatter put there: inspected). */
export function messageText(message: unknown, separator = ' with '): string {
  try {
    if (typeof message === 'object' && message !== null && typeof (message as StatusMessage).tag === 'string') {
      const m = message as StatusMessage;
      return `${String(m.kind)} '${m.tag}'${separator}${safeInspect(m.payload)}`;
    }
  } catch {
    // unreadable: inspected below
  }
  return safeInspect(message);
}

function payloadText(message: unknown): string {
  try {
    if (typeof message === 'object' && message !== null && 'payload' in message) return safeInspect(message.payload);
  } catch {
    // unreadable: inspected below
  }
  return safeInspect(message);
}

/** The trace line of a message in: `in: call 'add' 10`. */
export function traceIn(proc: Process, msg: Message): string {
  return `in: ${messageText(formatStatus(proc, { state: proc.state, message: statusMessage(msg) }).message, ' ')}`;
}

/** The trace line of a reply: `out: reply 11, state 11` (`deferred`: from `GenServer.reply`, no state). */
export function traceReply(proc: Process, tag: string, value: unknown, state: unknown, deferred: boolean): string {
  const s = formatStatus(proc, { state, message: { kind: 'reply', tag, payload: value } });
  return deferred ? `out: deferred reply ${payloadText(s.message)}` : `out: reply ${payloadText(s.message)}, state ${safeInspect(s.state)}`;
}

/** The state (and reason, for a stop) as traced: `noreply, state 11`. */
export function traceState(proc: Process, state: unknown, reason?: { reason: unknown }): string {
  if (reason === undefined) return `noreply, state ${safeInspect(formatStatus(proc, { state }).state)}`;
  const s = formatStatus(proc, { state, reason: reason.reason });
  return `stop ${describeReason(s.reason)}, state ${safeInspect(s.state)}`;
}

/** How many queued messages `GenServer.getStatus` lists (`mailboxLength` counts them all). */
export const STATUS_MESSAGES = 100;

/** What `GenServer.getStatus(ref)` resolves to (OTP's `:sys.get_status`), read between two messages. */
export interface ServerStatus {
  readonly ref: ServerRef;
  readonly className: string;
  readonly name: Name | undefined;
  readonly status: StatusName;
  /** The server that started it with `startLink` (a supervisor, for a child), if any. */
  readonly parent: ServerRef | undefined;
  /** The state, as `@formatStatus` shows it (the state itself without one). */
  readonly state: unknown;
  /** The first 100 queued user messages, oldest first, as `@formatStatus` shows them. */
  readonly messages: readonly StatusMessage[];
  /** Queued user messages, all of them. */
  readonly mailboxLength: number;
  /** Messages handled so far. */
  readonly handled: number;
  readonly trapExits: boolean;
  readonly tracing: boolean;
  /** True when the class has a `@formatStatus` method (it shaped `state` and `messages`). */
  readonly formatted: boolean;
}

/** The status of `proc`, now: served as a system message, between two of its messages. */
export function statusOf(proc: Process): ServerStatus {
  const queued = (proc.user?.peek(STATUS_MESSAGES) ?? []).map(statusMessage);
  const s = formatStatus(proc, { state: proc.state, messages: queued });
  return {
    ref: proc.ref,
    className: proc.className,
    name: proc.name,
    status: proc.statusName,
    parent: proc.parent?.ref,
    state: s.state,
    messages: (s.messages ?? []) as readonly StatusMessage[],
    mailboxLength: proc.mailboxLength,
    handled: proc.handled,
    trapExits: proc.trapping,
    tracing: proc.tracing,
    formatted: proc.router.formatStatus !== undefined,
  };
}
