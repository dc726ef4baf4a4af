import { ServerRef } from '../process/ref';

/**
 * A ref to a server on another node: its node's name, that node's incarnation and the server's id
 * there. It has no process on this node (`ref[PROC]` is undefined), which is how the client
 * functions tell it from a local ref in one check, off the local path.
 *
 * Refs are interned: within one node, one remote server has one RemoteRef object, so refs keep
 * comparing by identity. The table holds them weakly (a ref nobody holds is collected and its entry
 * removed) and drops a node's refs when the node goes down or a server is known to have exited.
 */
export class RemoteRef<S = unknown> extends ServerRef<S> {
  /** Set once this node has seen the server exit, or its node go down. */
  dead = false;
  /** @internal Functions waiting for its exit (`GenServer.awaitExit`), and the monitor serving them. */
  waiters: ((reason: unknown) => void)[] | undefined = undefined;
  /** @internal */
  waitMonitor: number | undefined = undefined;

  /** @internal */
  constructor(
    private readonly home: string,
    readonly inc: number,
    private readonly remoteId: number,
    readonly className: string,
  ) {
    super(undefined as never);
  }

  override get id(): number {
    return this.remoteId;
  }

  override get node(): string {
    return this.home;
  }

  override toString(): string {
    return `#ServerRef<${this.className}.${this.remoteId}@${this.home}>`;
  }
}

const byNode = new Map<string, Map<number, WeakRef<RemoteRef>>>();
const collected = new FinalizationRegistry<{ node: string; id: number }>(({ node, id }) => {
  const table = byNode.get(node);
  const entry = table?.get(id);
  if (entry !== undefined && entry.deref() === undefined) {
    table!.delete(id);
    if (table!.size === 0) byNode.delete(node);
  }
});

/** The one RemoteRef of server `id` of `node` (incarnation `inc`) on this node. */
export function internRef(node: string, inc: number, id: number, className: string): RemoteRef {
  let table = byNode.get(node);
  if (table === undefined) byNode.set(node, (table = new Map()));
  const existing = table.get(id)?.deref();
  if (existing !== undefined && existing.inc === inc) return existing;
  const ref = new RemoteRef(node, inc, id, className);
  // A ref of an older incarnation of the node (same id, other inc) is dead: the new one replaces it.
  if (existing !== undefined) existing.dead = true;
  table.set(id, new WeakRef(ref));
  collected.register(ref, { node, id });
  return ref;
}

/** The server behind `ref` has exited: the ref stays dead and leaves the table. */
export function forgetRef(ref: RemoteRef): void {
  ref.dead = true;
  const table = byNode.get(ref.node);
  if (table !== undefined && table.get(ref.id)?.deref() === ref) {
    table.delete(ref.id);
    if (table.size === 0) byNode.delete(ref.node);
  }
}

/** `node` went down: every ref to it is dead, and none stays in the table. */
export function forgetNode(node: string): RemoteRef[] {
  const table = byNode.get(node);
  if (table === undefined) return [];
  byNode.delete(node);
  const refs: RemoteRef[] = [];
  for (const weak of table.values()) {
    const ref = weak.deref();
    if (ref !== undefined) {
      ref.dead = true;
      refs.push(ref);
    }
  }
  return refs;
}

/** How many remote refs are interned (for specs: the table does not grow without bound). */
export function internedCount(node?: string): number {
  if (node !== undefined) return byNode.get(node)?.size ?? 0;
  let n = 0;
  for (const table of byNode.values()) n += table.size;
  return n;
}
