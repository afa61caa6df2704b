#!/usr/bin/env node
// Entry point of the `sprint-gan` CLI: registers tsx so the TypeScript sources
// under cli/ and lib/ run without a build step, then hands over to cli/main.ts.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => { process.exitCode = code; })
  .catch((err) => {
    console.error(err && err.message ? err.message : err);
    process.exitCode = 1;
  });
