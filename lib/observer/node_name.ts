// The node this observer runs on. Until nodes (worker threads, a cluster) land, a process is one node,
// named as `Node.self()` will name it by default; the feed already tags every row and point with it.
export function localNodeName(): string {
  return 'main';
}
