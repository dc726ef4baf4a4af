// A local pub/sub on a duplicate-key Registry, after the "Using as a PubSub" recipe of Elixir's
// Registry docs: subscribers register under a topic from their @init, a publisher dispatches to
// every entry of the topic, and a subscriber that exits is unsubscribed at once.
import { GenServer, Match, Registry, handleCall, handleInfo, init, noreply, reply } from '../lib';

const PUBSUB = 'pubsub';

interface Subscription {
  name: string;
  topics: string[];
  /** Alerts below this level are not for this subscriber. */
  minLevel: number;
}

/** Subscribes itself in @init; keeps what it received. */
export class Subscriber extends GenServer<string[]> {
  @init
  setup({ name, topics, minLevel }: Subscription) {
    for (const topic of topics) Registry.register(PUBSUB, topic, { name, minLevel });
    return [];
  }

  @handleInfo('broadcast')
  broadcast(message: string, inbox: string[]) {
    return noreply([...inbox, message]);
  }

  @handleCall('inbox')
  inbox(_: undefined, inbox: string[]) {
    return reply(inbox, inbox);
  }
}

/** Elixir's recipe: dispatch runs in the publisher and sends to each entry; nobody else is involved. */
function publish(topic: string, message: string): void {
  Registry.dispatch(PUBSUB, topic, (entries) => {
    for (const { ref } of entries) GenServer.send(ref, 'broadcast', message);
  });
}

/** Only to the subscribers whose minLevel the alert reaches: dispatch with a pattern and a guard. */
function alert(topic: string, level: number, message: string): void {
  const { $ } = Match;
  Registry.dispatch(
    PUBSUB,
    topic,
    (entries) => {
      for (const { ref } of entries) GenServer.send(ref, 'broadcast', message);
    },
    { pattern: { minLevel: $('min') }, guards: [['<=', $('min'), level]] },
  );
}

export async function main(): Promise<void> {
  // partitions: Elixir's recipe spreads subscribers over one table per scheduler; here it changes
  // only how many times dispatch calls its function (once per partition with subscribers), and
  // the order of lookup (partition by partition), hence the sort below.
  const pubsub = await Registry.start({ keys: 'duplicate', name: PUBSUB, partitions: 2 });
  const alice = await Subscriber.start({ name: 'alice', topics: ['news', 'sports'], minLevel: 0 });
  const bob = await Subscriber.start({ name: 'bob', topics: ['news'], minLevel: 2 });
  console.log(
    `subscribers of news: ${Registry.lookup<Subscription>(PUBSUB, 'news')
      .map((e) => e.value.name)
      .sort()
      .join(', ')}`,
  );

  publish('news', 'hello');
  publish('sports', 'goal');
  publish('weather', 'nobody listens: dispatch does not call its function');
  alert('news', 1, 'minor alert');
  alert('news', 3, 'major alert');
  console.log(`alice got: ${((await GenServer.call(alice, 'inbox')) as string[]).join(' | ')}`);
  console.log(`bob got: ${((await GenServer.call(bob, 'inbox')) as string[]).join(' | ')}`);

  // A subscriber that exits, even killed, is unsubscribed the moment it exits.
  GenServer.exit(bob, 'kill');
  await GenServer.awaitExit(bob);
  console.log(`after bob was killed, subscribers of news: ${Registry.countMatch(PUBSUB, 'news', Match._)}`);
  const { $ } = Match;
  const topics = Registry.select<string>(PUBSUB, { match: { key: $('topic'), value: { name: 'alice' } }, result: $('topic') });
  console.log(`alice's topics: ${topics.sort().join(', ')}`);

  await GenServer.stop(alice);
  await GenServer.stop(pubsub);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
