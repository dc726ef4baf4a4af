import { expect } from 'chai';
import { format } from 'node:util';
import { DynamicSupervisor, GenServer, Registry, ServerExitError, Supervisor, type ServerRef } from '../lib';
import { CHAT, main, startChat } from '../examples/chat/app';
import { Presence } from '../examples/chat/presence';
import { ROOMS, ROOM_SUPERVISOR, Room } from '../examples/chat/room';
import { captureLogs, rejectionOf, trackServers } from './support/helpers';

// The application example, examples/chat/: a Supervisor (rest_for_one) over a Registry of rooms,
// a DynamicSupervisor of Room servers and a Presence tracker. These specs kill servers inside the
// tree and watch it heal.

/** Runs `fn` with console.log captured; returns the printed lines. */
async function printed(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(...format(...args).split('\n'));
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

const roomRef = (room: string): ServerRef | undefined => GenServer.whereis(Room.via(room));
const childRef = (chat: ServerRef, id: string): ServerRef => Supervisor.whichChildren(chat).find((c) => c.id === id)!.ref as ServerRef;

/** Resolves once the top supervisor has handled the exits queued so far (restarts included). */
const settled = async (sup: ServerRef | string): Promise<void> => void (await GenServer.getState(sup));

describe('examples/chat', () => {
  const track = trackServers();
  const logs = captureLogs();
  afterEach(async () => {
    // main() stops its tree itself; should it fail halfway, nothing may be left running.
    const chat = GenServer.whereis(CHAT);
    if (chat) await GenServer.stop(chat, 'shutdown', 2000).catch(() => undefined);
  });

  it('main() tells the story of the chat and leaves nothing running', async () => {
    const lines = await printed(main);
    expect(lines[0]).to.equal('chat started: chat_rooms (worker), chat_room_supervisor (supervisor), Presence (worker)');
    expect(lines).to.include("Presence.where('alice') → [ 'lobby', 'typescript' ]");
    expect(lines).to.include('a post whose text is no string crashes the lobby: ServerExitError (TypeError)');
    expect(lines).to.include('the room supervisor restarted it: a new server true, same name true');
    expect(lines).to.include("  its members came back from Presence → [ 'alice', 'bob' ]; its messages are gone → []");
    expect(lines[lines.length - 1]).to.equal('chat stopped: alive false, rooms alive false, presence alive false');
    expect(GenServer.whereis(CHAT)).to.equal(undefined);
    expect(GenServer.whereis(ROOMS)).to.equal(undefined);
  });

  describe('when servers inside it fail', () => {
    let chat: ServerRef;

    beforeEach(async () => {
      chat = track(await startChat());
      await Room.open('lobby');
      await Room.open('typescript');
      await Room.join('lobby', 'alice');
      await Room.join('lobby', 'bob');
      await Room.join('typescript', 'alice');
      await Room.post('lobby', 'alice', 'hello');
    });

    it('restarts a crashed room under its name, with its members back from Presence, taking posts again', async () => {
      const lobby = roomRef('lobby')!;
      const typescript = roomRef('typescript');
      const error = await rejectionOf(GenServer.call(Room.via('lobby'), 'post', { user: 'bob', text: null }));
      expect(error).to.be.instanceOf(ServerExitError);
      await GenServer.awaitExit(lobby);
      await settled(ROOM_SUPERVISOR);

      const lobby2 = roomRef('lobby');
      expect(lobby2).to.not.equal(undefined).and.not.equal(lobby);
      expect(roomRef('typescript'), 'the other room is untouched').to.equal(typescript);
      expect(await Room.members('lobby')).to.deep.equal(['alice', 'bob']);
      expect(await Room.history('lobby')).to.deep.equal([]);
      expect(await Room.post('lobby', 'bob', 'back again')).to.equal(1);
      expect(Registry.count(ROOMS)).to.equal(2);
      expect(logs.some((l) => l.level === 'error' && l.message.includes('(Room) terminating'))).to.equal(true);
    });

    it('restarts the presence tracker when it is killed; it rebuilds itself from the rooms, which run on', async () => {
      const presence = GenServer.whereis(Presence)!;
      const rooms = [roomRef('lobby'), roomRef('typescript')];
      GenServer.exit(presence, 'kill');
      expect(await GenServer.awaitExit(presence)).to.equal('killed');
      await settled(chat);

      const presence2 = GenServer.whereis(Presence);
      expect(presence2).to.not.equal(undefined).and.not.equal(presence);
      expect(childRef(chat, 'Presence')).to.equal(presence2);
      expect([roomRef('lobby'), roomRef('typescript')]).to.deep.equal(rooms);
      // Each room answers after it has handled the new tracker's 'announce' (queued before these calls).
      expect(await Room.members('lobby')).to.deep.equal(['alice', 'bob']);
      expect(await Room.members('typescript')).to.deep.equal(['alice']);
      expect(await Presence.where('alice')).to.deep.equal(['lobby', 'typescript']);
      await Room.join('typescript', 'carol');
      expect(await Presence.who('typescript')).to.deep.equal(['alice', 'carol']);
    });

    it('restarts the room supervisor when it is killed, and presence after it; rooms open again', async () => {
      const dyn = GenServer.whereis(ROOM_SUPERVISOR)!;
      const presence = GenServer.whereis(Presence)!;
      const lobby = roomRef('lobby')!;
      GenServer.exit(dyn, 'kill');
      await GenServer.awaitExit(lobby); // the kill reached the rooms over their links
      await settled(chat);

      expect(GenServer.whereis(ROOM_SUPERVISOR)).to.not.equal(undefined).and.not.equal(dyn);
      expect(GenServer.whereis(Presence)).to.not.equal(undefined).and.not.equal(presence);
      expect(roomRef('lobby')).to.equal(undefined);
      expect(Registry.count(ROOMS)).to.equal(0);
      expect(DynamicSupervisor.countChildren(ROOM_SUPERVISOR).specs).to.equal(0);

      await Room.open('lobby');
      expect(await Room.join('lobby', 'dave')).to.deep.equal(['dave']);
      expect(await Presence.where('dave')).to.deep.equal(['lobby']);
    });

    it('restarts everything after the registry when the registry is killed; names resolve again', async () => {
      const before = Supervisor.whichChildren(chat).map((c) => c.ref);
      const lobby = roomRef('lobby')!;
      GenServer.exit(GenServer.whereis(ROOMS)!, 'kill');
      await GenServer.awaitExit(lobby);
      await settled(chat);

      const after = Supervisor.whichChildren(chat).map((c) => c.ref);
      for (const [i, ref] of after.entries()) expect(ref, Supervisor.whichChildren(chat)[i].id).to.not.equal(before[i]);
      expect(after.every((ref) => GenServer.isAlive(ref as ServerRef))).to.equal(true);
      const lobby2 = await Room.open('lobby');
      expect(roomRef('lobby')).to.equal(lobby2);
      expect(await Room.post('lobby', 'erin', 'anyone?')).to.equal(1);
    });

    it('stops every server of the tree when the top supervisor stops', async () => {
      const all = [chat, ...Supervisor.whichChildren(chat).map((c) => c.ref as ServerRef), roomRef('lobby')!, roomRef('typescript')!];
      await GenServer.stop(chat);
      expect(all.filter((ref) => GenServer.isAlive(ref))).to.deep.equal([]);
      expect(GenServer.whereis(Presence)).to.equal(undefined);
    });
  });
});
