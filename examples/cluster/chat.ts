// The servers of the cluster chat. Every chat node runs the same tree:
//
//   chat (Supervisor, one_for_one)
//   ├── rooms      DynamicSupervisor: the rooms opened on this node, each under { global: 'room:<name>' }
//   ├── directory  ClusterSingleton: one RoomDirectory for the whole cluster, under { global: 'directory' }
//   └── chat       ChatFront: this node's door (users of this node join and post through it)
//
// A room runs on the node where it was first opened and is reached from every node by its global
// name. The directory runs on one node; when that node dies, another node's copy starts it again,
// and it rebuilds its table from the global names.
import {
  AlreadyStartedError,
  ChildStartError,
  ClusterSingleton,
  DynamicSupervisor,
  GenServer,
  Node,
  Supervisor,
  handleCall,
  handleCast,
  handleInfo,
  init,
  noreply,
  reply,
  type DownMessage,
  type ServerRef,
} from '../../lib';

export const DIRECTORY = { global: 'directory' };
export const roomName = (room: string) => ({ global: `room:${room}` });

export interface Message {
  user: string;
  text: string;
}

interface RoomState {
  name: string;
  members: string[];
  messages: Message[];
}

/** One chat room: its members and messages. It tells the directory it is open. */
export class ChatRoom extends GenServer<RoomState> {
  @init
  setup(name: string): RoomState {
    // Its own ref goes along: the directory's node may not have seen the new global name yet (each
    // node's copy of the names follows the bucket a moment later), so it must not look it up.
    GenServer.cast(DIRECTORY, 'opened', { room: name, ref: this.self });
    return { name, members: [], messages: [] };
  }

  @handleCall('join')
  join(user: string, room: RoomState) {
    const members = [...new Set([...room.members, user])].sort();
    return reply(members, { ...room, members });
  }

  @handleCall('post')
  post(message: Message, room: RoomState) {
    const messages = [...room.messages, message];
    return reply(messages.length, { ...room, messages });
  }

  @handleCall('history')
  history(_: undefined, room: RoomState) {
    return reply(room.messages, room);
  }
}

/** Where every room runs: room name → its server. One for the whole cluster (a ClusterSingleton). */
export class RoomDirectory extends GenServer<Map<string, ServerRef>> {
  /** Started again after a failover: the table comes back from the rooms' global names. */
  @init
  async setup(): Promise<Map<string, ServerRef>> {
    console.log(`  [${Node.self()}] RoomDirectory started`);
    const table = new Map<string, ServerRef>();
    for (const name of await Node.global.names()) {
      const ref = name.startsWith('room:') ? GenServer.whereis({ global: name }) : undefined;
      if (ref === undefined) continue;
      table.set(name.slice('room:'.length), ref);
      this.monitor(ref);
    }
    return table;
  }

  @handleCast('opened')
  opened({ room, ref }: { room: string; ref: ServerRef }, table: Map<string, ServerRef>) {
    if (table.get(room) !== ref) {
      this.monitor(ref);
      table.set(room, ref);
    }
    return noreply(table);
  }

  /** A room closed, or went down with its node. */
  @handleInfo('DOWN')
  closed({ ref }: DownMessage, table: Map<string, ServerRef>) {
    for (const [room, held] of table) if (held === ref) table.delete(room);
    return noreply(table);
  }

  @handleCall('rooms')
  rooms(_: undefined, table: Map<string, ServerRef>) {
    const list = [...table].sort(([a], [b]) => a.localeCompare(b)).map(([room, ref]) => `${room}@${ref.node}`);
    return reply(list, table);
  }

  @handleCall('node')
  node(_: undefined, table: Map<string, ServerRef>) {
    return reply(Node.self(), table);
  }
}

/** This node's door: opens a room here unless it runs somewhere already, then joins or posts. */
export class ChatFront extends GenServer<null> {
  @init
  setup(): null {
    return null;
  }

  @handleCall('join')
  async join({ room, user }: { room: string; user: string }, state: null) {
    await openRoom(room);
    const members = (await GenServer.call(roomName(room), 'join', user)) as string[];
    return reply(members, state);
  }

  @handleCall('post')
  async post({ room, user, text }: { room: string; user: string; text: string }, state: null) {
    const count = (await GenServer.call(roomName(room), 'post', { user, text })) as number;
    return reply(count, state);
  }

  @handleCall('history')
  async history(room: string, state: null) {
    const messages = (await GenServer.call(roomName(room), 'history')) as Message[];
    return reply(messages, state);
  }
}

/** Starts room `room` under this node's rooms supervisor, unless it runs already (here or elsewhere). */
async function openRoom(room: string): Promise<ServerRef | undefined> {
  const running = GenServer.whereis(roomName(room));
  if (running !== undefined) return running;
  try {
    const spec = { id: room, start: () => ChatRoom.startLink(room, { name: roomName(room) }), restart: 'transient' as const };
    return await DynamicSupervisor.startChild('rooms', spec);
  } catch (error) {
    // Opened elsewhere first: the global name says where.
    if (error instanceof ChildStartError && error.reason instanceof AlreadyStartedError) return error.reason.ref as ServerRef;
    throw error;
  }
}

/** A chat node's tree (see the top of this file). */
export function startChatNode(): Promise<ServerRef> {
  return Supervisor.start(
    [
      [DynamicSupervisor, { name: 'rooms' }],
      ClusterSingleton.childSpec(RoomDirectory, undefined, { name: DIRECTORY }),
      { id: 'chat', start: () => ChatFront.startLink(undefined, { name: 'chat' }) },
    ],
    { name: 'chat_node' },
  );
}
