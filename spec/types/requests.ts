// Type tests of requests by id: sendRequest is typed like call, and the reply type reaches the collectors.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import {
  GenServer,
  RequestIdCollection,
  type CollectedResponse,
  type MultiCallResult,
  type NoResponse,
  type RequestId,
  type RequestResponse,
  type ServerRef,
} from '../../lib';
import { expectType } from './expect_type';
import type { Counter } from './fixtures';

export async function typedRequests(ref: ServerRef<Counter>, other: ServerRef<Counter>): Promise<void> {
  const request = GenServer.sendRequest(ref, 'add', 1);
  expectType<RequestId<number>>()(request);
  expectType<Promise<number>>()(GenServer.receiveResponse(request));
  expectType<Promise<RequestResponse<number> | undefined>>()(GenServer.waitResponse(request, 100));
  expectType<RequestResponse<number> | undefined>()(GenServer.checkResponse(request));
  expectType<RequestId<string>>()(GenServer.sendRequest(ref, 'label', { prefix: '#' }));
  expectType<Promise<MultiCallResult<number>[]>>()(GenServer.multiCall([ref, other], 'get'));

  // @ts-expect-error a typo'd tag
  GenServer.sendRequest(ref, 'ad', 1);
  // @ts-expect-error a payload of the wrong type
  GenServer.sendRequest(ref, 'add', '1');
  // @ts-expect-error the reply used as the wrong type
  const wrong: string = await GenServer.receiveResponse(request);
  void wrong;
  // @ts-expect-error multiCall's payload has the call's type
  void GenServer.multiCall([ref], 'add', 'one');
}

export async function typedCollections(ref: ServerRef<Counter>): Promise<void> {
  const ids = new RequestIdCollection<'a' | 'b', number>().add(GenServer.sendRequest(ref, 'add', 1), 'a');
  expectType<number>()(ids.size);
  expectType<[request: RequestId<number>, label: 'a' | 'b'][]>()(ids.toList());
  expectType<Promise<CollectedResponse<'a' | 'b', number> | NoResponse>>()(GenServer.receiveResponse(ids, 100, { delete: false }));
  expectType<Promise<CollectedResponse<'a' | 'b', number> | NoResponse>>()(GenServer.waitResponse(ids));
  expectType<CollectedResponse<'a' | 'b', number> | 'noReply' | 'noRequest'>()(GenServer.checkResponse(ids));
  const r = await GenServer.receiveResponse(ids);
  if (typeof r !== 'string') {
    expectType<'a' | 'b'>()(r.label);
    if ('reply' in r) expectType<number>()(r.reply);
  }

  // @ts-expect-error a label outside the collection's label type
  ids.add(GenServer.sendRequest(ref, 'add', 2), 'c');
  // @ts-expect-error a request whose reply is not the collection's reply type
  ids.add(GenServer.sendRequest(ref, 'label', { prefix: '#' }), 'b');
  // @ts-expect-error delete is a boolean
  void GenServer.receiveResponse(ids, 100, { delete: 'yes' });
  // @ts-expect-error a collection's response may be 'timeout' or 'noRequest': narrow it first
  void (await GenServer.receiveResponse(ids)).label;
  // @ts-expect-error options belong to collections: a single request takes only a timeout
  void GenServer.receiveResponse(GenServer.sendRequest(ref, 'add', 1), 100, { delete: true });
}
