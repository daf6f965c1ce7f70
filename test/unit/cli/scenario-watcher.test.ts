import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
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
      onVersion: (v) => seen.push(v),
      logWaitMs: 200,
      pollMs: 100,
    });
    watcher.start();

    // A cmdlet's version: the file, then its log line with the file's SHA-256.
    await replace(file, 'v1\n');
    await writeFile(
      log,
      `${JSON.stringify({ via: 'apply', role: 'CsAdministrator', statement: 'Set-X', changed: true, version: 1, sha256: sha256('v1\n') })}\n`,
    );
    await until(seen, 1);
    expect(seen[0]).toMatchObject({ text: 'v1\n', lastLogged: 1 });
    expect(seen[0]?.logged).toMatchObject({ version: 1, via: 'apply', statements: ['Set-X'] });

    // A hand edit: no log line has it.
    await replace(file, 'hand\n');
    await until(seen, 2);
    expect(seen[1]).toMatchObject({ text: 'hand\n', logged: null, lastLogged: 1 });

    // The same text again is no new version.
    await replace(file, 'hand\n');
    await delay(400);
    await watcher.settled();
    expect(seen).toHaveLength(2);
  });
});
