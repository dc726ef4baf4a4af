// A CPU-heavy server: each job hashes its input many times over. The worker threads load this
// module, so the class is known there by its name, `Hasher`.
import { GenServer, handleCall, reply } from '../../lib';

/** FNV-1a over `text`, `rounds` times, feeding each result back in: about a millisecond of CPU per 20 000 rounds. */
export function digest(text: string, rounds: number): number {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    h ^= r;
  }
  return h >>> 0;
}

export class Hasher extends GenServer<number, { calls: { hash: [payload: { text: string; rounds: number }, reply: number] } }> {
  @handleCall('hash')
  hash({ text, rounds }: { text: string; rounds: number }, jobs: number) {
    return reply(digest(text, rounds), jobs + 1);
  }
}
