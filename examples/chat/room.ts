// Room: one server per chat room, started on demand under the rooms' DynamicSupervisor and
// registered in the rooms' Registry, so `Room.join('lobby', 'alice')` needs no ref. A room keeps
// its members and messages; it tells Presence who comes and goes.
import { ChildStartError, AlreadyStartedError, DynamicSupervisor, GenServer, Registry, handleCall, handleCast, init, noreply, reply, type ServerRef } from '../../lib';
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

export class Room extends GenServer<RoomState> {
  /** The room's name in the Registry: usable wherever a ref is. */
  static via(room: string) {
    return Registry.via(ROOMS, room);
  }

  /** Finds the room, or starts it under the rooms' supervisor. */
  static async open(room: string): Promise<ServerRef> {
    const running = GenServer.whereis(Room.via(room));
    if (running) return running;
    try {
      // transient: a room that closes normally stays closed; one that crashes is restarted.
      const spec = { id: `room:${room}`, start: () => Room.startLink(room, { name: Room.via(room) }), restart: 'transient' as const };
      return (await DynamicSupervisor.startChild(ROOM_SUPERVISOR, spec))!;
    } catch (error) {
      // Someone opened it first (or it was being restarted): use that one.
      if (error instanceof ChildStartError && error.reason instanceof AlreadyStartedError) return GenServer.whereis(Room.via(room))!;
      throw error;
    }
  }

  static async join(room: string, user: string): Promise<string[]> {
    return (await GenServer.call(Room.via(room), 'join', user)) as string[];
  }

  static async leave(room: string, user: string): Promise<void> {
    await GenServer.call(Room.via(room), 'leave', user);
  }

  /** Posts a message; resolves to the number of messages in the room. */
  static async post(room: string, user: string, text: string): Promise<number> {
    return (await GenServer.call(Room.via(room), 'post', { user, text })) as number;
  }

  static async members(room: string): Promise<string[]> {
    return (await GenServer.call(Room.via(room), 'members')) as string[];
  }

  static async history(room: string): Promise<Message[]> {
    return (await GenServer.call(Room.via(room), 'history')) as Message[];
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
