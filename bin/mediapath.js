#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled output (npm run build, which npm install runs
// through the prepare script). It must not know any command: it only loads the CLI, keeps a
// closed stdout or stderr from changing the exit code, and sets process.exitCode.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit code of a runtime failure (ExitCode.RUNTIME in src/cli/io.ts). */
const RUNTIME = 4;

// A reader that goes away (`mediapath explain --json - | head`, a closed 2>&-) makes writes
// fail with EPIPE or EBADF. What is left to print is lost, but the exit code stays the
// command's; any other stream error is still fatal.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE' && e.code !== 'EBADF') {
      throw e;
    }
  });
}

const entry = new URL('../dist/cli/main.js', import.meta.url);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
if (!existsSync(entry)) {
  process.stderr.write(`mediapath: not built yet: run "npm run build" in ${root}\n`);
  process.exit(RUNTIME);
}
let main;
try {
  ({ main } = await import(entry.href));
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') {
    throw e;
  }
  const what =
    /Cannot find (?:package|module) '([^']+)'/.exec(String(e.message))?.[1] ?? 'a module';
  process.stderr.write(`mediapath: ${what} is missing: run "npm install" in ${root}\n`);
  process.exit(RUNTIME);
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
