#!/usr/bin/env node
// The `s2s` command: runs the compiled CLI when built (dist/), otherwise the TypeScript sources through tsx.
const path = require('node:path');
const fs = require('node:fs');

const compiled = path.join(__dirname, '..', 'dist', 'client', 'cli.js');
if (fs.existsSync(compiled)) {
  require(compiled).main();
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'client', 'cli.ts')).main();
}
