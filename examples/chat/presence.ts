// Presence: which user is in which room. Rooms tell it with casts (fire and forget: a room never
// waits on presence); anyone asks it with calls. It is a @singleton, so the class is its address.
import { DynamicSupervisor, GenServer, ServerRef, handleCall, handleCast, init, noreply, reply, singleton } from '../../lib';

/** user → the rooms they are in */
type Whereabouts = Map<string, Set<string>>;

export interface Seen {
  user: string;
  room: string;
}

/** What Presence accepts. The class is its address, so calls to `Presence` are typed by this. */
type PresenceProtocol = {
  init: string;
  calls: { where: [user: string, rooms: string[]]; who: [room: string, users: string[]] };
  casts: { joined: Seen; left: Seen };
};

@singleton
export class Presence extends GenServer<Whereabouts, PresenceProtocol> {
  /** The rooms a user is in, sorted. */
  static where(user: string): Promise<string[]> {
    return GenServer.call(Presence, 'where', user);
  }

  /** The users in a room, sorted. */
  static who(room: string): Promise<string[]> {
    return GenServer.call(Presence, 'who', room);
  }

  /**
   * Starts empty. After a crash that is all it knows, so it asks every running room (the children
   * of the rooms' DynamicSupervisor) to announce its members again.
   */
  @init
  setup(roomSupervisor: string) {
    for (const { ref } of DynamicSupervisor.whichChildren(roomSupervisor)) {
      if (ref instanceof ServerRef) GenServer.cast(ref, 'announce');
    }
    return new Map() as Whereabouts;
  }

  @handleCast('joined')
  joined({ user, room }: Seen, where: Whereabouts) {
    where.set(user, (where.get(user) ?? new Set()).add(room));
    return noreply(where);
  }

  @handleCast('left')
  left({ user, room }: Seen, where: Whereabouts) {
    where.get(user)?.delete(room);
    if (where.get(user)?.size === 0) where.delete(user);
    return noreply(where);
  }

  @handleCall('where')
  whereIs(user: string, where: Whereabouts) {
    return reply([...(where.get(user) ?? [])].sort(), where);
  }

  @handleCall('who')
  whoIsIn(room: string, where: Whereabouts) {
    const users = [...where].filter(([, rooms]) => rooms.has(room)).map(([user]) => user);
    return reply(users.sort(), where);
  }
}
