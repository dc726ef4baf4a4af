// Shorter than the defaults (heartbeatMs 1000, downAfterMs 4000), so the demo's failover is quick:
// a node killed with kill -9 is seen down within downAfterMs + heartbeatMs / 2 = 2.25 s.
export const CLUSTER_KNOBS = { heartbeatMs: 500, downAfterMs: 2000 } as const;
