import {
  toChildSpec,
  type ChildSpec,
  type ChildSpecSource,
  type FullChildSpec,
  type Restart,
  type Shutdown,
} from '../behaviours/child_spec';
import { GenServer } from '../behaviours/gen_server';
import { Supervisor } from '../behaviours/supervisor';
import { ArgumentError, GenServerError } from '../errors';
import { ServerRef } from '../process/ref';
import { currentScope, settlesWithin } from './cleanup';

/** Options of `startSupervised`: override the child spec's own. */
export interface SupervisedOptions {
  /** Default: the spec's id (the class name for a class): give a second server of one class another id. */
  id?: string;
  /** Default: the spec's ('permanent' for a class): restarted by the test supervisor if it exits. */
  restart?: Restart;
  /** Default: the spec's (5000 ms for a worker): how long it may take to stop after the test, then it is killed. */
  shutdown?: Shutdown;
}

/** A GenServer class that can be started supervised. */
type ServerClass<S> = (new () => S) & ChildSpecSource;

interface Child {
  readonly id: string;
  readonly shutdown: Shutdown;
}

interface TestSupervisor {
  readonly ref: Promise<ServerRef>;
  readonly children: Child[];
}

const supervisors = new WeakMap<object, TestSupervisor>();

// ExUnit's test supervisor: one_for_one, and restarts are never "too many" within a test.
const TEST_SUPERVISOR = { strategy: 'one_for_one', maxRestarts: 1_000_000, maxSeconds: 1 } as const;
/** After a child's shutdown time (real time) has passed, how long killing it may take. */
const KILL_GRACE_MS = 250;

function testSupervisor(): TestSupervisor {
  const scope = currentScope();
  let sup = supervisors.get(scope);
  if (sup === undefined) {
    const created: TestSupervisor = { ref: Supervisor.start([], TEST_SUPERVISOR), children: [] };
    supervisors.set(scope, (sup = created));
    scope.shutdown = () => shutdownAll(created);
  }
  return sup;
}

/**
 * Starts a server under the current test's supervisor and resolves to its ref (ExUnit's
 * `start_supervised!`). After the test — passed or failed — the kit stops every supervised server
 * in reverse start order, each with its spec's `shutdown` (default 5000 ms of real time, even under
 * fake timers), then kills it, so its name is free for the next test. Takes what supervisors take:
 * a class, `[Class, startArg]` or a child spec `{ id, start, restart?, shutdown? }`.
 * Rejects with `ChildStartError` (`id`, `reason`) if the server fails to start, and with
 * `DuplicateChildError` for a second child with the same id in one test (pass `{ id }`).
 *
 * ```ts
 * const counter = await startSupervised([Counter, 0]);
 * const other = await startSupervised([Counter, 10], { id: 'other' });
 * expect(await GenServer.call(counter, 'increment')).to.equal(1);
 * ```
 *
 * Needs `cleanup` to run after each test: automatic under mocha, jest and vitest with globals;
 * one line elsewhere (`afterEach(cleanup)`). Servers started in a `before`/`beforeAll` hook are
 * stopped after the first test: start those yourself.
 */
export function startSupervised<S extends GenServer>(
  spec: ServerClass<S> | readonly [ServerClass<S>, unknown],
  options?: SupervisedOptions,
): Promise<ServerRef<S>>;
export function startSupervised(spec: ChildSpec, options?: SupervisedOptions): Promise<ServerRef>;
export async function startSupervised(spec: unknown, options: SupervisedOptions = {}): Promise<ServerRef> {
  const full = withOptions(toChildSpec(spec), options);
  const sup = testSupervisor();
  const ref = await Supervisor.startChild(await sup.ref, full);
  // An ignored child's spec stays with the supervisor too (as in OTP): cleanup goes through both.
  sup.children.push({ id: full.id, shutdown: full.shutdown });
  if (ref === undefined) {
    throw new GenServerError(
      `startSupervised: child '${full.id}' was ignored (its init returned ignore()), so there is no server to return.`,
    );
  }
  return ref;
}

/**
 * Stops a server `startSupervised` started in this test, by id (ExUnit's `stop_supervised`), and
 * forgets it: it is not restarted. Rejects with `ChildNotFoundError` for an unknown id.
 *
 * ```ts
 * await stopSupervised('Counter');
 * ```
 */
export async function stopSupervised(id: string): Promise<void> {
  const sup = testSupervisor();
  const ref = await sup.ref;
  await Supervisor.terminateChild(ref, id);
  await Supervisor.deleteChild(ref, id);
  const i = sup.children.findIndex((c) => c.id === id);
  if (i >= 0) sup.children.splice(i, 1);
}

function withOptions(spec: FullChildSpec, options: SupervisedOptions): FullChildSpec {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError('options', options, "an object such as { id: 'second' }");
  }
  for (const key of Object.keys(options)) {
    if (key !== 'id' && key !== 'restart' && key !== 'shutdown')
      throw new ArgumentError(`options.${key}`, (options as Record<string, unknown>)[key], 'one of: id, restart, shutdown');
  }
  return toChildSpec({ ...spec, ...options });
}

async function shutdownAll(sup: TestSupervisor): Promise<void> {
  const ref = await sup.ref;
  const refs = new Set<ServerRef>();
  for (const child of [...sup.children].reverse()) {
    const running = runningRef(ref, child.id);
    if (running !== undefined) refs.add(running);
    const done = Supervisor.terminateChild(ref, child.id).catch(() => undefined);
    const ms = child.shutdown === 'infinity' ? Infinity : child.shutdown === 'brutal_kill' ? 0 : child.shutdown;
    // The supervisor's own shutdown timer runs on the clock that is installed (a fake one may never
    // move): past the shutdown time in real time, kill the child ourselves.
    if (!(await settlesWithin(done, ms + KILL_GRACE_MS)) && running !== undefined) {
      GenServer.exit(running, 'kill');
      await settlesWithin(done, KILL_GRACE_MS);
    }
  }
  if (
    GenServer.isAlive(ref) &&
    !(await settlesWithin(
      GenServer.stop(ref, 'shutdown').catch(() => undefined),
      KILL_GRACE_MS,
    ))
  ) {
    GenServer.exit(ref, 'kill');
  }
  // Whatever survived (a child that traps exits when the supervisor had to be killed): kill it.
  for (const child of refs) if (GenServer.isAlive(child)) GenServer.exit(child, 'kill');
}

function runningRef(sup: ServerRef, id: string): ServerRef | undefined {
  if (!GenServer.isAlive(sup)) return undefined;
  const child = Supervisor.whichChildren(sup).find((c) => c.id === id)?.ref;
  return child instanceof ServerRef ? child : undefined;
}
