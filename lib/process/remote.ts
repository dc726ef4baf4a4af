import type { MonitorRef } from './links';
import type { Process } from './process';
import type { ServerRef } from './ref';

// The one place where the runtime and the behaviours meet the node layer (lib/node/), which plugs
// in here when it loads. Nothing below lib/node imports it: the runtime only knows that some
// targets are not local, and hands those to `remote.hooks`. Every hook runs off the local path —
// only after the cheap local lookup has failed — so same-node messages never pay for nodes.

/** The `:sys`-style requests a server of another node answers. */
export type SystemRequest = 'getState' | 'replaceState' | 'getStatus' | 'stop' | 'info';

/** What the node layer does for targets that are not on this node (see lib/node/node.ts). */
export interface RemoteHooks {
  /** True for a remote ref, a `{ name, node }` target, or a via name that resolves to a remote server. */
  isRemote(target: unknown): boolean;
  call(target: unknown, tag: string, payload: unknown, timeout: number): Promise<unknown>;
  /** A cast (`info` false) or a send (`info` true): dropped, and logged when it cannot cross. */
  cast(target: unknown, info: boolean, tag: string, payload: unknown): void;
  /** `'getState'`, `'getStatus'`, `'info'`, `'stop'` (arg: the reason) — answered once done. */
  system(target: unknown, request: SystemRequest, arg: unknown, timeout: number): Promise<unknown>;
  exit(target: unknown, reason: unknown, from: Process | undefined): void;
  link(proc: Process, target: unknown): void;
  unlink(proc: Process, target: unknown): void;
  monitor(proc: Process, target: unknown): MonitorRef;
  /** undefined if `ref` is not a remote monitor. */
  demonitor(proc: Process, ref: MonitorRef): boolean | undefined;
  isAlive(target: unknown): boolean;
  awaitExit(target: unknown): Promise<unknown>;
  whereis(target: unknown): Promise<ServerRef | undefined>;
  /** Starts a server of `cls` on `options.node`; linked to `parent` when given. */
  start(cls: Function, arg: unknown, options: Record<string, unknown>, parent: Process | undefined): Promise<ServerRef | undefined>;
  /** This node's name. */
  selfNode(): string;
  /** `this.monitorNode(node)` (`on` true) and `this.demonitorNode(node)`. */
  monitorNode(proc: Process, node: string, on: boolean): void;
  /** A process with remote links or monitors (its `remote` field is set) has died. */
  exited(proc: Process, reason: unknown): void;
  /**
   * Set once this node is in a cluster (lib/node/nats/): registers `ref` under the global `name`
   * (AlreadyStartedError with the holder's ref when taken); freed when `ref` exits.
   */
  registerGlobal?(name: string, ref: ServerRef): Promise<void>;
  /** The live holder of the global `name` in this node's copy of the names, at once. */
  resolveGlobal?(name: string): ServerRef | undefined;
}

export const remote: { hooks: RemoteHooks | undefined } = { hooks: undefined };
