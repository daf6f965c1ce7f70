#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled output (npm run build).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
