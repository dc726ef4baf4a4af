import { scenario } from './scenario.js';

// `module` exists only in CommonJS: the line says which module system actually ran.
const format = typeof module === 'object' ? 'commonjs' : 'esm';
scenario().then(
  (summary) => console.log(`consumer ok (${format}, node ${process.versions.node}): ${summary}`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
