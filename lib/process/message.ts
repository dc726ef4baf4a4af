import { CallTimeoutError } from '../errors';
import { whereisProcess } from './names';
import { PROC, ServerRef } from './ref';
import { RUNNING } from './status';
import { removeDeadline, type DeadlineNode, type DeadlineList } from './deadlines';

// User lane (bounded by maxMailbox, in arrival order):
export const CALL = 0;
export const CAST = 1;
export const INFO = 2;
/** A `{ continue }` return option: runs before anything else. */
export const CONTINUE = 3;
// Control lane (never refused, served before user messages): stop requests, system requests.
// Trapped EXIT and DOWN travel there too, as INFO messages.
export const STOP = 4;
export const SYSTEM = 5;

export const KIND_NAMES = ['call', 'cast', 'info', 'continue', 'stop', 'system'] as const;

/**
 * One message: a cast, an info, a continue or a stop request. Four fields, so a long mailbox of
 * casts stays small (its size is what the garbage collector copies).
 */
export class Message {
  constructor(
    readonly kind: number,
    readonly tag: string,
    readonly payload: unknown,
    /** The server as the sender named it (ref, name or class), for error messages. */
    readonly target: unknown,
  ) {}
}

/** The process holding a deferred call (see Process.pending). */
export interface CallOwner {
  replyTo(msg: CallMessage, value: unknown): void;
  forget(msg: CallMessage): void;
}

/**
 * A call (or a system request, answered the same way). Its message is also its `from` handle and
 * its deadline node, so a call allocates this object and its promise, nothing else.
 *
 * It has Message's four fields without extending it: a class that extends another and declares
 * fields is built through V8's generic construct stub and a separate field initializer, a few
 * percent of a whole call; one flat constructor is allocated inline.
 */
export class CallMessage implements Message, DeadlineNode {
  readonly kind: number;
  readonly tag: string;
  readonly payload: unknown;
  /** The server as the sender named it (ref, name or class), for error messages. */
  readonly target: unknown;
  expires: number;
  list: DeadlineList | undefined;
  resolve: ((value: unknown) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;
  /** The process holding this call for a deferred reply; set only then. */
  owner: CallOwner | undefined;

  constructor(kind: number, tag: string, payload: unknown, target: unknown) {
    this.kind = kind;
    this.tag = tag;
    this.payload = payload;
    this.target = target;
    this.expires = 0;
    this.list = undefined;
    this.resolve = undefined;
    this.reject = undefined;
    this.owner = undefined;
  }

  expire(duration: number): void {
    const reject = this.reject;
    if (reject === undefined) return;
    this.resolve = this.reject = undefined;
    // A deferred call nobody will answer now: the server lets go of it too.
    if (this.owner !== undefined) this.owner.forget(this);
    reject(new CallTimeoutError(this.target, this.tag, duration, busyWith(this)));
  }
}

/**
 * The tag of the async handler a server is stuck in while `msg` still waits in its mailbox: the mark
 * of a self-call made after an await (or of a slow handler), for CallTimeoutError's advice.
 */
function busyWith(msg: CallMessage): string | undefined {
  if (msg.kind !== CALL) return undefined;
  const proc = msg.target instanceof ServerRef ? msg.target[PROC] : whereisProcess(msg.target);
  if (proc === undefined || !proc.busy || proc.status !== RUNNING) return undefined;
  const handling = proc.lastMessage;
  if (msg.owner !== undefined || handling === undefined || handling === msg || handling.kind === CONTINUE) return undefined;
  return handling.tag;
}

/** Answers a call, once: a second answer, or one after the timeout, is dropped. */
export function settle(msg: CallMessage, value: unknown): void {
  const resolve = msg.resolve;
  if (resolve === undefined) return;
  if (msg.list !== undefined) removeDeadline(msg);
  msg.resolve = msg.reject = undefined;
  resolve(value);
}

/** Fails a call, once. */
export function reject(msg: CallMessage, error: unknown): void {
  const rejectFn = msg.reject;
  if (rejectFn === undefined) return;
  if (msg.list !== undefined) removeDeadline(msg);
  msg.resolve = msg.reject = undefined;
  rejectFn(error);
}
