// The transport interface: how one node's frames reach another node. Everything above it (remote
// refs, calls, links, monitors, node down) is the node layer's job and the same for every transport;
// a transport only moves frames and says which nodes it can reach.
//
// ## Frames
//
// A frame is a small array: `[kind, ...fields]`, `kind` one of the `F_*` numbers below. Arrays,
// not objects, because the structured clone of a short array is the cheapest value to post, and
// a byte codec (NATS) encodes it compactly too. The fields of each kind are listed with its
// constant. Words used there:
//
// - `pid`: a process id (a number) on the receiving node, as its home node numbered it.
// - `inc`: the incarnation of the node a pid belongs to (a number chosen at that node's start), so a
//   pid of a node that restarted under the same name never reaches a newer process.
// - `ref`: a ref descriptor `{ $: 'ref', node, inc, id, cls }` (see below).
// - `target`: a pid (number), or a registered name (string) on the receiving node.
// - `callId`: a number chosen by the sender of a request; the answer (`F_REPLY`) carries it back.
// - `value`, `payload`, `reason`, `arg`: *wire values* (see below).
//
// ## Wire values
//
// Before a frame reaches a transport, the node layer has turned every payload, reply value and exit
// reason into a *wire value*: a value made only of primitives (bigint and undefined included),
// plain objects, arrays, Map, Set, Date, RegExp, ArrayBuffer, typed arrays and DataView — what
// structured clone copies without loss. Values that have a meaning across nodes become tagged plain
// objects (a *marker*: an object whose `$` key is one of):
//
// - `{ $: 'ref', node, inc, id, cls }` — a ServerRef (`cls`: its class name, for printing);
// - `{ $: 'error', class, message, stack, fields }` — an Error (`fields`: its own enumerable fields,
//   themselves wire values; `class`: its constructor's name);
// - `{ $: 'class', name }` — a GenServer class, found on the other node by its registered name;
// - `{ $: 'from', node, id }` — a call's `from` handle, for a deferred reply from any node;
// - `{ $: 'obj', value }` — a user object that happened to have a `$` key (escaped).
//
// A payload with none of these travels as it is, unwalked on the receiving side; frames then say
// whether the receiver must decode (`enc` = 1) or not (`enc` = 0). Anything that cannot cross (a
// function, a symbol, a class instance other than those above, a cycle) is refused by the node
// layer before a frame exists: calls reject with `PayloadError`, casts and sends are logged and
// dropped. So a transport never sees a value structured clone would change, and a byte transport
// needs a codec for exactly the list above (plus the markers, which are plain objects).
//
// ## Order and delivery
//
// Frames from one node to another arrive in the order they were sent, or not at all when the
// receiving node goes down (which the transport reports with `nodeDown`). A transport may batch
// frames (the thread transport posts every frame queued in one turn as one message).
//
// ## Several transports
//
// A node may use several transports at once (its worker threads, and NATS to other machines). The
// node layer sends a frame through the transport that last reported its node up. A node it has
// never heard of but whose name is `parent/child` (a worker thread of another machine, say
// `api-1/thread-1`) is reached through the transport that reaches `parent`, whose node layer
// forwards it: a transport that receives a frame for a node other than its own hands it to
// `TransportEvents.frame` all the same, with the final destination in `to`.

/** Request a call: `[F_CALL, callId, target, tag, payload, enc, inc]`. Answered by `F_REPLY`. */
export const F_CALL = 1;
/** Answer a request: `[F_REPLY, callId, status, value, enc]`; `status` is one of the `R_*` numbers. */
export const F_REPLY = 2;
/** A cast: `[F_CAST, target, tag, payload, enc, inc]`. Never answered. */
export const F_CAST = 3;
/** An info message (`GenServer.send`): `[F_INFO, target, tag, payload, enc, inc]`. Never answered. */
export const F_INFO = 4;
/**
 * An exit signal: `[F_EXIT, toPid, toInc, from, reason, enc]`; `from` is the sending server's ref
 * descriptor (or undefined outside servers), `reason` may be `'kill'`. Sent when a linked server
 * exits and by `GenServer.exit`.
 */
export const F_EXIT = 5;
/** Link a remote server to one here: `[F_LINK, toPid, toInc, from]`; a dead `to` answers with `F_EXIT` 'noproc'. */
export const F_LINK = 6;
/** Remove a link: `[F_UNLINK, toPid, toInc, from]`. */
export const F_UNLINK = 7;
/** Monitor a server here: `[F_MONITOR, target, inc, watcher, monitorId]`; a dead target answers with `F_DOWN` 'noproc'. */
export const F_MONITOR = 8;
/** Remove a monitor: `[F_DEMONITOR, target, inc, monitorId]`. */
export const F_DEMONITOR = 9;
/** A monitored server went down: `[F_DOWN, monitorId, ref, reason, enc]` (to the watcher's node). */
export const F_DOWN = 10;
/**
 * Start a server here: `[F_SPAWN, callId, className, arg, enc, options, linkTo]`; `options` holds
 * the start options that cross (`name`, `timeout`, `maxMailbox`, `trace`), `linkTo` the ref
 * descriptor of the server to link it to (startLink) or undefined. Answered by `F_REPLY` with the
 * new server's ref descriptor (or undefined for `ignore()`).
 */
export const F_SPAWN = 11;
/** Look up a name here: `[F_WHEREIS, callId, name]`. Answered by `F_REPLY` with a ref descriptor or undefined. */
export const F_WHEREIS = 12;
/**
 * A `:sys`-style request: `[F_SYS, callId, target, inc, request, arg, enc]`; `request` is
 * `'getState'`, `'getStatus'`, `'info'` or `'stop'` (`arg`: the reason). Answered by `F_REPLY` (for `'stop'`: once
 * the server has exited).
 */
export const F_SYS = 13;

/** `F_REPLY` status: `value` is the reply. */
export const R_OK = 0;
/** `F_REPLY` status: `value` is an error marker; the request failed (NoProcError, ServerExitError, …). */
export const R_ERROR = 1;

/** One frame: an array whose first element is one of the `F_*` kinds. Structured-clone safe. */
export type Frame = readonly [kind: number, ...fields: unknown[]];

/** What a transport tells the node layer. The node layer installs it once with `Transport.attach`. */
export interface TransportEvents {
  /**
   * A frame arrived from `from`. Called in the order the frames were sent by that node. `to` is the
   * node it is for: this node, or (when this node routes for others) another one.
   */
  frame(from: string, frame: Frame, to: string): void;
  /** `node` is reachable now (also for each node already reachable when `attach` is called). */
  nodeUp(node: string): void;
  /**
   * `node` is no longer reachable (its thread exited, its connection closed). No frame from it
   * arrives after this; frames sent to it are dropped. `reason` is for logs (an exit code, an error).
   */
  nodeDown(node: string, reason: unknown): void;
}

/**
 * A way to reach other nodes: worker threads (`threads.ts`), NATS (`nats/`). A transport moves
 * frames and reports membership; it never looks inside a frame except to route it.
 *
 * ```ts
 * class LoopbackTransport implements Transport {
 *   readonly self = 'a';
 *   attach(events: TransportEvents) { ... }
 *   send(node: string, frame: Frame) { ... }
 *   close() { return Promise.resolve(); }
 * }
 * ```
 */
export interface Transport {
  /** This node's name as this transport knows it (the node layer checks it matches `Node.self()`). */
  readonly self: string;
  /** Installs the node layer's event handlers. Called once, before any `send`. */
  attach(events: TransportEvents): void;
  /**
   * Sends `frame` to `node`. Never throws and never blocks: a frame to a node that is down or
   * unknown is dropped (the node layer learns of it from `nodeDown`, or knew already).
   * `from` is the node the frame comes from: this node, or another one whose frame this node
   * forwards (default: `self`).
   */
  send(node: string, frame: Frame, from?: string): void;
  /**
   * Closes the transport: every node it reached is reported down (`nodeDown`), then nothing more
   * arrives. Resolves once its resources (threads, sockets) are released.
   */
  close(): Promise<void>;
}
