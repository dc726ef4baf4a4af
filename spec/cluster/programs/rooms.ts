// Server classes the Node-level cluster specs run on other nodes (loaded by room_node.ts there and
// by the spec here, so both sides know them by one name).
import { GenServer, Node, type ServerRef, handleCall, handleCast, handleInfo, noreply, reply } from '../../../lib';

export class Room extends GenServer<{ members: string[]; notes: unknown[] }> {
  @handleCall('join')
  join(who: string, state: { members: string[]; notes: unknown[] }) {
    const members = [...state.members, who];
    return reply(members, { ...state, members });
  }

  @handleCall('echo')
  echo(value: unknown, state: { members: string[]; notes: unknown[] }) {
    return reply(value, state);
  }

  @handleCall('whoami')
  whoami(_: unknown, state: { members: string[]; notes: unknown[] }) {
    const self: ServerRef = this.self;
    return reply({ node: Node.self(), pid: process.pid, self }, state);
  }

  @handleCall('slow')
  async slow(ms: number, state: { members: string[]; notes: unknown[] }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return reply('done', state);
  }

  @handleCall('crash')
  crash(message: string): never {
    throw new RangeError(message);
  }

  @handleCall('notes')
  notes(_: unknown, state: { members: string[]; notes: unknown[] }) {
    return reply(state.notes, state);
  }

  @handleCast('note')
  note(value: unknown, state: { members: string[]; notes: unknown[] }) {
    return noreply({ ...state, notes: [...state.notes, value] });
  }

  /** Does nothing: the benchmarks' cast. */
  @handleCast('tick')
  tick(_: unknown, state: { members: string[]; notes: unknown[] }) {
    return noreply(state);
  }

  @handleInfo('note')
  noteInfo(value: unknown, state: { members: string[]; notes: unknown[] }) {
    return noreply({ ...state, notes: [...state.notes, ['info', value]] });
  }
}

Node.register(Room);
