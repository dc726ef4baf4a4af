// Type tests of @formatStatus and GenServer.getStatus: the formatter's status carries the class's state
// type, it returns only the keys a status has, and getStatus resolves to ServerStatus.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import { GenServer, formatStatus, type ServerRef, type ServerStatus, type Status, type StatusMessage } from '../../lib';
import { expectType } from './expect_type';

interface Session {
  user: string;
  token: string;
}

export class Redacted extends GenServer<Session> {
  @formatStatus
  redact(status: Status<Session>) {
    expectType<Session>()(status.state);
    expectType<StatusMessage | undefined>()(status.message);
    expectType<readonly StatusMessage[] | undefined>()(status.messages);
    return { state: { ...status.state, token: '<redacted>' }, reason: 'hidden' };
  }
}

export class Untyped extends GenServer {
  // A server that declares no state may declare any state type here.
  @formatStatus
  redact(status: Status<{ anything: number }>) {
    return { state: status.state.anything };
  }
}

export class WrongState extends GenServer<Session> {
  // @ts-expect-error the status's state is the class's Session, not a number
  @formatStatus
  redact(status: Status<number>) {
    return { state: status.state + 1 };
  }
}

export class WrongReturn extends GenServer<Session> {
  // @ts-expect-error a formatter returns the status keys it changes, not a bare value
  @formatStatus
  redact(_status: Status<Session>) {
    return '<redacted>';
  }
}

export class Typo extends GenServer<Session> {
  // @ts-expect-error `sate` is not a key of a status (it would leave the state shown as it is)
  @formatStatus
  redact(status: Status<Session>) {
    return { sate: status.state.user };
  }
}

export class Async extends GenServer<Session> {
  // @ts-expect-error a formatter must answer at once: views print synchronously
  @formatStatus
  async redact(status: Status<Session>) {
    return { state: status.state.user };
  }
}

export async function status(ref: ServerRef<Redacted>): Promise<void> {
  const s = await GenServer.getStatus(ref);
  expectType<ServerStatus>()(s);
  expectType<unknown>()(s.state);
  expectType<readonly StatusMessage[]>()(s.messages);
  expectType<ServerRef | undefined>()(s.parent);
  expectType<'starting' | 'running' | 'terminating' | 'dead'>()(s.status);
  // @ts-expect-error the state is shown as formatted: unknown, not the class's state
  const token: string = s.state.token;
  void token;
  // @ts-expect-error getStatus takes a server, not a callback
  void GenServer.getStatus(ref, (x: Session) => x);
}
