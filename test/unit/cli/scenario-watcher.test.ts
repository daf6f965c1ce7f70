import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/cli/admin-target.js';
import { ScenarioWatcher, type SeenVersion } from '../../../src/cli/scenario-watcher.js';

let dir: string;
let watcher: ScenarioWatcher | null = null;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-watch-'));
});
afterEach(async () => {
  watcher?.close();
  watcher = null;
  await rm(dir, { recursive: true, force: true });
});

/** Writes the file as shell and apply do: beside it, then renamed over it. */
async function replace(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/** A command log line of a statement that wrote `text` as `version`. */
function line(version: number, statement: string, text: string): string {
  const o = { via: 'shell', role: 'CsAdministrator', statement, changed: true, version };
  return `${JSON.stringify({ ...o, sha256: sha256(text) })}\n`;
}

/** Waits until `seen` has `n` versions (or 3 s). */
async function until(seen: readonly SeenVersion[], n: number): Promise<void> {
  for (let i = 0; i < 60 && seen.length < n; i++) {
    await delay(50);
  }
}

describe('the watcher of a running lab scenario file', () => {
  it('hands over each new text once, as logged or as written by hand', async () => {
    const file = join(dir, 'scenario.yaml');
    const log = join(dir, 'commands.log.jsonl');
    await writeFile(file, 'v0\n');
    const seen: SeenVersion[] = [];
    watcher = new ScenarioWatcher({
      file,
      log,
      initialSha: sha256('v0\n'),
      initialVersion: 0,
      onVersion: (v) => seen.push(v),
      logWaitMs: 200,
      pollMs: 100,
    });
    watcher.start();

    // A cmdlet's version: the file, then its log line with the file's SHA-256.
    await replace(file, 'v1\n');
    await appendFile(log, line(1, 'Set-X', 'v1\n'));
    await until(seen, 1);
    expect(seen[0]).toMatchObject({ text: 'v1\n', lastLogged: 1 });
    expect(seen[0]?.logged).toMatchObject({ version: 1, via: 'shell', statements: ['Set-X'] });

    // A hand edit: no log line has it.
    await replace(file, 'hand\n');
    await until(seen, 2);
    expect(seen[1]).toMatchObject({ text: 'hand\n', logged: null, lastLogged: 1 });

    // The same text again is no new version.
    await replace(file, 'hand\n');
    await delay(400);
    await watcher.settled();
    expect(seen).toHaveLength(2);

    // Two versions in a burst (a shell's statements typed fast) read as one carry both
    // statements.
    await replace(file, 'v2\n');
    await appendFile(log, line(2, 'Set-Y', 'v2\n'));
    await replace(file, 'v3\n');
    await appendFile(log, line(3, 'Set-Z', 'v3\n'));
    await until(seen, 3);
    await delay(300);
    await watcher.settled();
    // However the burst was read (once, or twice on a slow machine), no statement is lost.
    const after = seen.slice(2);
    expect(after.at(-1)).toMatchObject({ text: 'v3\n', logged: { version: 3 } });
    expect(after.flatMap((v) => v.logged?.statements ?? [])).toEqual(['Set-Y', 'Set-Z']);
  });
});
