import { ArgumentError } from '../errors';
import { ViaName, type NameRegistry } from '../process/names';
import type { Process } from '../process/process';
import { PROC, ServerRef } from '../process/ref';
import { whereis } from './client';
import type { ChildSpecSource } from './child_spec';
import { Supervisor, type ChildCounts, type ChildInfo } from './supervisor';

/** Options of `PartitionSupervisor.start`. */
export interface PartitionSupervisorOptions {
  /** The child of every partition: a class or `[Class, startArg]`; each partition runs `Class.startLink(arg, { node })`. */
  child: ChildSpecSource | readonly [ChildSpecSource, unknown];
  /** How many partitions. Default: one per node in `nodes`. */
  partitions?: number;
  /** The nodes the partitions are spread over, round robin (partition i on `nodes[i % nodes.length]`). Default: this node only. */
  nodes?: readonly string[];
  /** The start argument of partition `i`, from the child's argument. Default: the argument as it is. */
  withArguments?: (arg: unknown, partition: number) => unknown;
  /** Register the supervisor under this name. Default: none. */
  name?: string;
  /** Restart intensity, as for Supervisor. Default 3 restarts in 5 s. */
  maxRestarts?: number;
  maxSeconds?: number;
}

interface Partitioned {
  readonly partitions: number;
  readonly sup: ServerRef;
}

const byRef = new WeakMap<ServerRef, Partitioned>();

function partitionedOf(ps: ServerRef | string): Partitioned {
  const ref = typeof ps === 'string' ? whereis(ps) : ps;
  const p = ref instanceof ServerRef ? byRef.get(ref) : undefined;
  if (p === undefined) throw new ArgumentError('partitionSupervisor', ps, 'the ref or name of a started PartitionSupervisor');
  return p;
}

/** Elixir's choice: a non-negative integer key picks its partition by remainder; anything else by a hash. */
function partitionOf(key: unknown, partitions: number): number {
  if (typeof key === 'number' && Number.isInteger(key)) return ((key % partitions) + partitions) % partitions;
  const text = typeof key === 'string' ? key : (JSON.stringify(key) ?? String(key));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

function childOf(p: Partitioned, key: unknown): ServerRef | undefined {
  const id = `partition-${partitionOf(key, p.partitions)}`;
  const child = Supervisor.whichChildren(p.sup).find((c) => c.id === id);
  return child?.ref instanceof ServerRef ? child.ref : undefined;
}

/** The registry behind `PartitionSupervisor.via`: it routes keys, it registers nothing. */
class PartitionRouter implements NameRegistry {
  constructor(private readonly p: Partitioned) {}
  whereisName(key: unknown): Process | undefined {
    return childOf(this.p, key)?.[PROC];
  }
  whereisRef(key: unknown): ServerRef | undefined {
    return childOf(this.p, key);
  }
  registerName(): boolean {
    return false;
  }
  unregisterName(): void {}
}

/**
 * Elixir's PartitionSupervisor: one child per partition, spread over nodes (worker threads), and
 * targets that route by key, so one server per partition shares the load instead of one server
 * for all of it.
 *
 * ```ts
 * const nodes = await Node.startThreads(2, { modules: [require.resolve('./rooms')] });
 * const ps = await PartitionSupervisor.start({ child: [Room, 'shard'], partitions: 4, nodes });
 * await GenServer.call(PartitionSupervisor.via(ps, 'room:42'), 'join', 'ann');
 * ```
 *
 * The partitions are ordinary Supervisor children (ids `partition-0`…, one_for_one): a partition
 * whose server crashes, or whose thread dies, is started again on its node.
 */
export const PartitionSupervisor = {
  async start(options: PartitionSupervisorOptions): Promise<ServerRef> {
    if (typeof options !== 'object' || options === null)
      throw new ArgumentError('options', options, 'an object such as { child: [Room, arg], partitions: 4 }');
    const [cls, arg] = Array.isArray(options.child)
      ? (options.child as [ChildSpecSource, unknown])
      : [options.child as ChildSpecSource, undefined];
    if (typeof cls !== 'function' || typeof (cls as { startLink?: unknown }).startLink !== 'function') {
      throw new ArgumentError('options.child', options.child, 'a GenServer class or [Class, startArg]');
    }
    const nodes = options.nodes ?? [undefined];
    if (!Array.isArray(nodes) || nodes.length === 0)
      throw new ArgumentError('options.nodes', options.nodes, 'a non-empty array of node names');
    const partitions = options.partitions ?? nodes.length;
    if (!(Number.isInteger(partitions) && partitions >= 1))
      throw new ArgumentError('options.partitions', partitions, 'a whole number >= 1');
    const startLink = (cls as unknown as { startLink(arg: unknown, options?: object): Promise<ServerRef | undefined> }).startLink.bind(cls);
    const children = Array.from({ length: partitions }, (_, i) => {
      const node = nodes[i % nodes.length];
      const partitionArg = options.withArguments ? options.withArguments(arg, i) : arg;
      return { id: `partition-${i}`, start: () => startLink(partitionArg, node === undefined ? undefined : { node }) };
    });
    const sup = await Supervisor.start(children, {
      strategy: 'one_for_one',
      maxRestarts: options.maxRestarts ?? 3,
      maxSeconds: options.maxSeconds ?? 5,
      ...(options.name !== undefined ? { name: options.name } : {}),
    });
    byRef.set(sup, { partitions, sup });
    return sup;
  },

  /** A target that reaches the partition of `key`: `GenServer.call(PartitionSupervisor.via(ps, key), tag)`. */
  via<S = unknown>(ps: ServerRef | string, key: unknown): ViaName<S> {
    const p = partitionedOf(ps);
    return new ViaName<S>(new PartitionRouter(p), key, `PartitionSupervisor ${String(p.sup)}`);
  },

  /** The partition number (0 … partitions-1) of `key`. */
  whichPartition(ps: ServerRef | string, key: unknown): number {
    return partitionOf(key, partitionedOf(ps).partitions);
  },

  /** How many partitions the supervisor has. */
  partitions(ps: ServerRef | string): number {
    return partitionedOf(ps).partitions;
  },

  whichChildren(ps: ServerRef | string): ChildInfo[] {
    return Supervisor.whichChildren(partitionedOf(ps).sup);
  },

  countChildren(ps: ServerRef | string): ChildCounts {
    return Supervisor.countChildren(partitionedOf(ps).sup);
  },
};
