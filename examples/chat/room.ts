// Room: one server per chat room, started on demand under the rooms' DynamicSupervisor and
// registered in the rooms' Registry, so `Room.join('lobby', 'alice')` needs no ref. A room keeps
// its members and messages; it tells Presence who comes and goes.
import {
  ChildStartError,
  AlreadyStartedError,
  DynamicSupervisor,
  GenServer,
  Registry,
  handleCall,
  handleCast,
  init,
  noreply,
  reply,
  type ServerRef,
  type ViaName,
} from '../../lib';
import { Presence } from './presence';

/** The Registry that names rooms (unique keys) and the DynamicSupervisor that runs them. */
export const ROOMS = 'chat_rooms';
export const ROOM_SUPERVISOR = 'chat_room_supervisor';

export interface Message {
  user: string;
  text: string;
}

interface RoomState {
  name: string;
  members: Set<string>;
  messages: Message[];
}

/** What a room accepts. Calls through `named(room)` are typed by it. */
type RoomProtocol = {
  init: string;
  calls: {
    join: [user: string, members: string[]];
    leave: [user: string, reply: void];
    post: [message: Message, count: number];
    members: [payload: void, members: string[]];
    history: [payload: void, messages: Message[]];
  };
  casts: { announce: void };
};

/** The room's name in the Registry, typed as a Room's: `GenServer.call(named(room), 'post', ...)` is checked. */
function named(room: string): ViaName<Room> {
  return Registry.via<Room>(ROOMS, room);
}

export class Room extends GenServer<RoomState, RoomProtocol> {
  /**
   * The room's name in the Registry: usable wherever a ref is. Deliberately untyped, so that any
   * message can be sent to a room (the demo crashes one with a bad post); the client functions
   * below use the typed `named(room)`.
   */
  static via(room: string): ViaName {
    return named(room);
  }

  /** Finds the room, or starts it under the rooms' supervisor. */
  static async open(room: string): Promise<ServerRef> {
    const running = GenServer.whereis(named(room));
    if (running) return running;
    try {
      // transient: a room that closes normally stays closed; one that crashes is restarted.
      const spec = { id: `room:${room}`, start: () => Room.startLink(room, { name: named(room) }), restart: 'transient' as const };
      return (await DynamicSupervisor.startChild(ROOM_SUPERVISOR, spec))!;
    } catch (error) {
      // Someone opened it first (or it was being restarted): use that one.
      if (error instanceof ChildStartError && error.reason instanceof AlreadyStartedError) return GenServer.whereis(named(room))!;
      throw error;
    }
  }

  static async join(room: string, user: string): Promise<string[]> {
    return await GenServer.call(named(room), 'join', user);
  }

  static async leave(room: string, user: string): Promise<void> {
    await GenServer.call(named(room), 'leave', user);
  }

  /** Posts a message; resolves to the number of messages in the room. */
  static async post(room: string, user: string, text: string): Promise<number> {
    return await GenServer.call(named(room), 'post', { user, text });
  }

  static async members(room: string): Promise<string[]> {
    return await GenServer.call(named(room), 'members');
  }

  static async history(room: string): Promise<Message[]> {
    return await GenServer.call(named(room), 'history');
  }

  /** A restarted room gets its members back from Presence; its messages are gone with the crash. */
  @init
  async setup(name: string): Promise<RoomState> {
    const members = await Presence.who(name).catch(() => [] as string[]);
    return { name, members: new Set(members), messages: [] };
  }

  @handleCall('join')
  join(user: string, room: RoomState) {
    room.members.add(user);
    GenServer.cast(Presence, 'joined', { user, room: room.name });
    return reply([...room.members].sort(), room);
  }

  @handleCall('leave')
  leave(user: string, room: RoomState) {
    room.members.delete(user);
    GenServer.cast(Presence, 'left', { user, room: room.name });
    return reply(undefined, room);
  }

  @handleCall('post')
  post({ user, text }: Message, room: RoomState) {
    room.messages.push({ user, text: text.trim() }); // a text that is no string crashes the room
    return reply(room.messages.length, room);
  }

  @handleCall('members')
  listMembers(_: void, room: RoomState) {
    return reply([...room.members].sort(), room);
  }

  @handleCall('history')
  listMessages(_: void, room: RoomState) {
    return reply([...room.messages], room);
  }

  /** Presence restarted and asks again who is here. */
  @handleCast('announce')
  announce(_: void, room: RoomState) {
    for (const user of room.members) GenServer.cast(Presence, 'joined', { user, room: room.name });
    return noreply(room);
  }
}
