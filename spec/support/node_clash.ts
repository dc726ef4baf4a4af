// A module that exports a different class under the name of one in node_servers.ts: loading both
// in one thread must fail loudly (a start would otherwise run the wrong class).
import { GenServer } from '../../lib';

export const Impostor: Function = class Echo extends GenServer {};
