import { scenario } from './scenario.js';

scenario().then(
  (summary) => console.log(`consumer ok (node ${process.versions.node}): ${summary}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
