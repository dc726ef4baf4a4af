// A chat service as a supervision tree:
//
//   chat (Supervisor, rest_for_one)
//   ├── chat_rooms            Registry, unique keys: room name → Room server
//   ├── chat_room_supervisor  DynamicSupervisor: one Room per room, started on demand
//   └── Presence              who is in which room
//
// rest_for_one: a child's crash restarts it and the children after it, which depend on it (rooms
// need the registry; presence rebuilds itself from the rooms). Run: npx ts-node examples/chat/app.ts
import { inspect } from 'node:util';
import { DynamicSupervisor, GenServer, Registry, ServerExitError, Supervisor, type ServerRef } from '../../lib';
import { Presence } from './presence';
import { ROOMS, ROOM_SUPERVISOR, Room } from './room';

export const CHAT = 'chat';

/** Starts the tree; resolves to the top supervisor once every child runs. */
export function startChat(): Promise<ServerRef> {
  return Supervisor.start(
    [
      [Registry, { keys: 'unique', name: ROOMS }],
      [DynamicSupervisor, { name: ROOM_SUPERVISOR }],
      [Presence, ROOM_SUPERVISOR],
    ],
    { strategy: 'rest_for_one', name: CHAT },
  );
}

export async function main(): Promise<void> {
  const chat = await startChat();
  console.log(
    `chat started: ${Supervisor.whichChildren(chat)
      .map((c) => `${c.id} (${c.type})`)
      .join(', ')}`,
  );

  await Room.open('lobby');
  await Room.open('typescript');
  console.log(`rooms open: ${Registry.count(ROOMS)}`);
  console.log(`alice joins lobby → ${inspect(await Room.join('lobby', 'alice'))}`);
  console.log(`bob joins lobby → ${inspect(await Room.join('lobby', 'bob'))}`);
  console.log(`alice joins typescript → ${inspect(await Room.join('typescript', 'alice'))}`);
  console.log(`alice posts in lobby → message ${await Room.post('lobby', 'alice', 'hello bob')}`);
  console.log(`bob posts in lobby → message ${await Room.post('lobby', 'bob', 'hi alice')}`);
  for (const { user, text } of await Room.history('lobby')) console.log(`  lobby | ${user}: ${text}`);
  console.log(`Presence.where('alice') → ${inspect(await Presence.where('alice'))}`);

  const lobby = GenServer.whereis(Room.via('lobby'));
  try {
    await GenServer.call(Room.via('lobby'), 'post', { user: 'bob', text: 42 });
  } catch (error) {
    if (!(error instanceof ServerExitError)) throw error;
    console.log(`a post whose text is no string crashes the lobby: ${error.name} (${(error.reason as Error).name})`);
  }
  const again = await Room.open('lobby');
  console.log(
    `the room supervisor restarted it: a new server ${again !== lobby}, same name ${GenServer.whereis(Room.via('lobby')) === again}`,
  );
  console.log(
    `  its members came back from Presence → ${inspect(await Room.members('lobby'))}; its messages are gone → ${inspect(await Room.history('lobby'))}`,
  );
  console.log(`bob posts in lobby → message ${await Room.post('lobby', 'bob', 'still here?')}`);
  await Room.leave('lobby', 'bob');
  console.log(`bob leaves lobby; Presence.who('lobby') → ${inspect(await Presence.who('lobby'))}`);

  await GenServer.stop(chat);
  console.log(
    `chat stopped: alive ${GenServer.isAlive(chat)}, rooms alive ${GenServer.isAlive(again)}, presence alive ${GenServer.isAlive(Presence)}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
