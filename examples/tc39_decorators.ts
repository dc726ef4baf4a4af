// The same server under TC39 standard decorators. Nothing in the code changes: only the tsconfig
// (no `experimentalDecorators`, no `emitDecoratorMetadata`; see tsconfig.tc39.json). The library
// installs the `Symbol.metadata` polyfill that Node 20 lacks, and its decorators read whichever
// form they are called in. Run it both ways:
//
//   TS_NODE_PROJECT=tsconfig.tc39.json npx ts-node examples/tc39_decorators.ts
//   npx ts-node examples/tc39_decorators.ts
//
// It also shows a typed protocol: the reply types below are inferred from `StackProtocol`.
import { inspect } from 'node:util';
import { GenServer, handleCall, handleCast, init, noreply, reply } from '../lib';

type StackProtocol = {
  init: string[];
  calls: { pop: [payload: void, reply: string | undefined]; size: [payload: void, reply: number] };
  casts: { push: string };
};

export class Stack extends GenServer<string[], StackProtocol> {
  @init
  setup(items: string[]) {
    return items;
  }

  @handleCall('pop')
  pop(_: void, [top, ...rest]: string[]) {
    return reply(top, rest);
  }

  @handleCall('size')
  size(_: void, items: string[]) {
    return reply(items.length, items);
  }

  @handleCast('push')
  push(item: string, items: string[]) {
    return noreply([item, ...items]);
  }
}

/** Where the decorators wrote the handler table says which standard compiled this file. */
function standard(): string {
  return Object.hasOwn(Stack, Symbol.metadata)
    ? 'TC39 standard decorators, in Stack[Symbol.metadata]'
    : 'experimentalDecorators, in reflect-metadata on Stack.prototype';
}

export async function main(): Promise<void> {
  const stack = await Stack.start(['a']);
  console.log("stack = await Stack.start(['a'])");
  GenServer.cast(stack, 'push', 'b');
  console.log("GenServer.cast(stack, 'push', 'b')");
  const top: string | undefined = await GenServer.call(stack, 'pop');
  console.log(`await GenServer.call(stack, 'pop') → ${inspect(top)}`);
  const size: number = await GenServer.call(stack, 'size');
  console.log(`await GenServer.call(stack, 'size') → ${size}`);
  await GenServer.stop(stack);
  console.log(`Stack's handlers were recorded by ${standard()}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
