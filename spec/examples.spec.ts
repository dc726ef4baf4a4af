import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { examples } from '../examples/tour';

/** Runs `fn` with console.log captured; returns the printed lines. */
async function printed(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(...format(...args).split('\n'));
  };
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}

function mainOf(file: string): () => Promise<void> {
  const entry = examples.find(([f]) => f === file);
  if (!entry) throw new Error(`${file} is not in the tour`);
  return entry[2];
}

/** What each deterministic example prints, line for line. */
const expected: Record<string, string[]> = {
  '01_hand_made_generic_server.ts': [
    'counter = GenericServer.start(Counter)',
    "GenericServer.call(counter, 'increment') → [ 'ok', 1 ]",
    "GenericServer.call(counter, 'increment') → [ 'ok', 2 ]",
    "GenericServer.call(counter, 'increment') → [ 'ok', 3 ]",
    'addCounter = GenericServer.start(AddableCounter)',
    "GenericServer.call(addCounter, ['add', 10]) → [ 'ok', 10 ]",
    "GenericServer.call(addCounter, ['add', 5]) → [ 'ok', 15 ]",
    'noteBook = GenericServer.start(NoteBook)',
    "GenericServer.call(noteBook, ['add_note', 'new note 1']) → [ 'ok', [ 'new note 1' ] ]",
    "GenericServer.call(noteBook, ['add_note', 'new note 2']) → [ 'ok', [ 'new note 1', 'new note 2' ] ]",
  ],
  'counter.ts': [
    'counter = await Counter.start()',
    "await GenServer.call(counter, 'increment') → [ 'ok', 1 ]",
    "await GenServer.call(counter, 'increment') → [ 'ok', 2 ]",
    "await GenServer.call(counter, 'increment') → [ 'ok', 3 ]",
    'await GenServer.stop(counter); GenServer.isAlive(counter) → false',
  ],
  'addable_counter.ts': [
    'addCounter = await AddableCounter.start()',
    "await GenServer.call(addCounter, 'add', 10) → [ 'ok', 10 ]",
    "await GenServer.call(addCounter, 'add', 5) → [ 'ok', 15 ]",
  ],
  'note_book.ts': [
    'noteBook = await NoteBook.start()',
    "await GenServer.call(noteBook, 'add_note', 'new note 1') → [ 'ok', [ 'new note 1' ] ]",
    "await GenServer.call(noteBook, 'add_note', 'new note 2') → [ 'ok', [ 'new note 1', 'new note 2' ] ]",
  ],
  'simple_server.ts': [
    'pid = await SimpleServer.startLink([])',
    'GenServer.isAlive(pid) → true',
    "await GenServer.call(pid, 'increment') rejects with UnknownMessageError (tag 'increment', accepted calls: 0)",
    'GenServer.isAlive(pid) → true',
  ],
  'counter_server.ts': [
    'pid = await CounterServer.startLink(0)',
    "await GenServer.call(pid, 'increment') → [ 'ok', 1 ]",
    "await GenServer.call(pid, 'increment') → [ 'ok', 2 ]",
    "await GenServer.call(pid, 'increment') → [ 'ok', 3 ]",
  ],
  'journal.ts': [
    'journal = await Journal.startLink([])',
    "await GenServer.call(journal, 'add_entry', 'first entry') → [ 'first entry' ]",
    "await GenServer.call(journal, 'add_entry', 'second entry') → [ 'second entry', 'first entry' ]",
  ],
  'counter_client_and_server.ts': [
    'pid = await CounterClientAndServer.startLink([])',
    'await CounterClientAndServer.increment(pid) → 1',
    'await CounterClientAndServer.increment(pid) → 2',
    'await CounterClientAndServer.increment(pid) → 3',
  ],
  'named_counter.ts': [
    "await NamedCounter.startLink([], { name: 'my_counter' })",
    "again → rejects with AlreadyStartedError: serverName 'my_counter', ref is the running server: true",
    "await GenServer.call('my_counter', 'increment') → 1",
    "await GenServer.call('my_counter', 'increment') → 2",
    "GenServer.whereis('my_counter') === ref → true",
    "await GenServer.stop('my_counter'); GenServer.whereis('my_counter') → undefined",
  ],
  'counter_singleton.ts': [
    'await CounterSingleton.startLink([])',
    "await GenServer.call(CounterSingleton, 'increment') → 1",
    "await GenServer.call(CounterSingleton, 'increment') → 2",
    'GenServer.whereis(CounterSingleton) === ref → true',
    'a second CounterSingleton.startLink([]) rejects with AlreadyStartedError',
    'await GenServer.stop(CounterSingleton); GenServer.isAlive(CounterSingleton) → false',
  ],
  'word_counts.ts': [
    'children: Agent, crawlers',
    '/home: 5 words',
    '/about: 2 words',
    'a page gave up: timeout',
    '/blog: 11 words',
    'most used: the ×4, about ×1',
    'distinct words: 15',
    'stopped: word_totals alive → false',
  ],
};

describe('examples/', () => {
  it('the tour runs every example file, in the order of the lesson', () => {
    // Top-level files, plus each folder's app.ts (a multi-file example). tc39_decorators.ts runs in its
    // own spec, compiled without experimentalDecorators; cluster/app.ts needs a nats-server and runs
    // in the cluster suite (spec/cluster/cluster_example.spec.ts, `npm run example:cluster`).
    const dir = join(__dirname, '..', 'examples');
    const files = readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? [`${e.name}/app.ts`] : [e.name]))
      .filter((f) => f.endsWith('.ts') && f !== 'tour.ts' && f !== 'tc39_decorators.ts' && f !== 'cluster/app.ts')
      .sort();
    expect(examples.map(([file]) => file).sort()).to.deep.equal(files);
    expect(examples[0][0]).to.equal('01_hand_made_generic_server.ts');
    expect(examples[examples.length - 1][0]).to.equal('too_many_messages.ts');
  });

  for (const [file, lines] of Object.entries(expected)) {
    it(`${file} prints what the lesson shows`, async () => {
      expect(await printed(mainOf(file))).to.deep.equal(lines);
    });
  }

  describe('too_many_messages.ts', () => {
    let lines: string[] = [];
    const figure = (pattern: RegExp): number[] => {
      const line = lines.find((l) => pattern.test(l));
      expect(line, `a line matching ${pattern}`).to.be.a('string');
      return pattern.exec(line!)!.slice(1).map(Number);
    };

    before(async function () {
      this.timeout(20000);
      lines = await printed(mainOf('too_many_messages.ts'));
    });

    it('shows the queue of one server growing while the flood lasts, then draining', () => {
      const queued = lines
        .slice(0, lines.indexOf('  views recorded: 500'))
        .map((l) => /queued\s+(\d+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]));
      expect(queued.length).to.be.greaterThan(2);
      const peak = Math.max(...queued);
      expect(peak).to.be.greaterThan(queued[0]);
      expect(queued[queued.length - 1]).to.be.lessThan(peak);
    });

    it('answers every call, with one server and with the pool', () => {
      expect(lines.filter((l) => l === '  views recorded: 500')).to.have.length(2);
      figure(/^ {2}one server: (500) calls in/);
      figure(/^ {2}pool of 8: (500) calls in/);
    });

    it('shows callers giving up with CallTimeoutError while the server still does their work', () => {
      const [answered, timedOut] = figure(/^ {2}(\d+) answered, (\d+) rejected with CallTimeoutError$/);
      expect(answered + timedOut).to.equal(100);
      expect(timedOut).to.be.greaterThan(0);
      expect(lines).to.include('  the server still handled all of them: views recorded 100 of 100 (late replies dropped)');
    });

    it('shows the pool answering with lower latency and a shorter queue than one server', () => {
      const [oneMedian, poolMedian, onePeak, poolPeak] = figure(
        /^Median latency: (\d+) ms with one server, (\d+) ms with the pool; queue peaked at (\d+) vs (\d+)\.$/,
      );
      expect(oneMedian).to.be.greaterThan(poolMedian);
      expect(onePeak).to.be.greaterThan(poolPeak);
      const [oneMax] = figure(/^ {2}one server: .* max (\d+) ms/);
      const [poolMax] = figure(/^ {2}pool of 8: .* max (\d+) ms/);
      expect(oneMax).to.be.greaterThan(poolMax);
    });
  });
});
