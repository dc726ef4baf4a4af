// Type tests of requests by id: sendRequest is typed like call, and the reply type reaches the collectors.
// Compile-only (see expect_type.ts). Each `@ts-expect-error` names the mistake it stands for.
import { GenServer, type MultiCallResult, type RequestId, type RequestResponse, type ServerRef } from '../../lib';
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
