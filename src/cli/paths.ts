/**
 * Where the package lives on disk: its root (for the launcher, the embedded scenarios and
 * package.json) and the embedded default scenario; and how a path is shown to the user.
 *
 * This file must not know any command, nor read any file.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The package root (`dist/cli/..` or `src/cli/..`). */
export const packageRoot = join(here, '..', '..');

/** The embedded default scenario, run when no file is given. */
export const DEFAULT_SCENARIO = join(packageRoot, 'scenarios', 'default.yaml');

/** The launcher, `bin/mediapath.js`: what a process of another host runs. */
export const LAUNCHER = join(packageRoot, 'bin', 'mediapath.js');

/**
 * A path as the user is shown it: relative to the working directory when it lies below it,
 * else as given.
 */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel.startsWith('..') ? file : rel;
}

/** The rules reference that every rule id of a trace points to. */
export const RULES_DOC = join(packageRoot, 'docs', 'rules.md');
