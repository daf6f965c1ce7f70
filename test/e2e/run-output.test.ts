import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/io.js';
import { cli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-run-output-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The keys that occur more than once in one object of a JSON text, at any depth (JSON.parse
 * keeps the last silently, so it cannot tell).
 */
function duplicateKeys(text: string): string[] {
  const dups: string[] = [];
  // One entry per open object (its keys so far) or array (null).
  const open: (Set<string> | null)[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') {
        j += text[j] === '\\' ? 2 : 1;
      }
      const str = text.slice(i + 1, j);
      let k = j + 1;
      while (text[k] === ' ') {
        k++;
      }
      const keys = open.at(-1);
      if (text[k] === ':' && keys) {
        if (keys.has(str)) {
          dups.push(str);
        }
        keys.add(str);
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      open.push(new Set());
    } else if (c === '[') {
      open.push(null);
    } else if (c === '}' || c === ']') {
      open.pop();
    }
    i++;
  }
  return dups;
}

/** The lines of a JSON-lines log, parsed, after checking each for duplicate keys. */
async function logLines(file: string): Promise<Record<string, unknown>[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  for (const line of lines) {
    expect(duplicateKeys(line), `${line}`).toEqual([]);
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('duplicateKeys (the test helper)', () => {
  it('finds a key twice in one object, and not in different objects', () => {
    expect(duplicateKeys('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}],"a":5}')).toEqual(['a']);
    expect(duplicateKeys('{"a":"x\\"a\\":1","b":2}')).toEqual([]);
  });
});

/** Live runs of the default scenario (slow: about 5 s each). */
describe('mediapath run: outputs and log', () => {
  it('creates the folders of --json and --log, logs the outcome at the default level, and no line repeats a key', async () => {
    const json = join(dir, 'new', 'folder', 'run.json');
    const info = join(dir, 'logs', 'info.log');
    const debug = join(dir, 'logs', 'debug.log');
    const [a, b] = await Promise.all([
      cli(['run', '--json', json, '--log', info]),
      cli(['run', '--json', '-', '--log', debug, '--log-level', 'debug']),
    ]);
    expect(a.code).toBe(ExitCode.OK);
    expect(a.out).toContain('All 3 expectations met.');
    expect(a.err).toContain('running ');
    expect(a.err).toContain(`wrote ${json}`);
    expect((JSON.parse(await readFile(json, 'utf8')) as { calls: unknown[] }).calls).toHaveLength(
      3,
    );

    const infoLines = await logLines(info);
    expect(infoLines.map((l) => l.msg)).toEqual([
      'run start',
      'call outcome',
      'call outcome',
      'call outcome',
      'run end',
    ]);
    expect(infoLines[0]).toMatchObject({
      mode: 'loopback',
      calls: 3,
      scenario: 'Quickstart - bypass, relay and a CAC refusal',
    });
    expect(infoLines.slice(1, 4).map((l) => [l.call, l.decision, l.status])).toEqual([
      ['branch-bypass', 'BYPASS', 200],
      ['hq-relayed', 'CAC-ADMITTED', 200],
      ['hq-refused', 'REJECTED', 488],
    ]);
    expect(infoLines[4]).toMatchObject({ aborted: false, expectationsFailed: 0 });

    // Standard output carries the JSON document alone.
    expect(b.code).toBe(ExitCode.OK);
    expect((JSON.parse(b.out) as { calls: unknown[] }).calls).toHaveLength(3);
    const debugLines = await logLines(debug);
    expect(debugLines.length).toBeGreaterThan(infoLines.length);
    expect(debugLines.some((l) => l.mod === 'sip.stack')).toBe(true);
  }, 30_000);

  it('says an interrupted run was interrupted, evaluates no expectation and exits 130', async () => {
    const json = join(dir, 'interrupted.json');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1500);
    const r = await cli(['run', '--json', json], {}, controller.signal);
    clearTimeout(timer);
    expect(r.code).toBe(ExitCode.INTERRUPTED);
    expect(r.out).toMatch(
      /Interrupted: \d of 3 calls started, \d ended before the run was stopped\. Expectations not evaluated\./,
    );
    expect(r.out).not.toContain('expectations met');
    expect(r.out).not.toContain('expectations failed');
    const doc = JSON.parse(await readFile(json, 'utf8')) as {
      aborted: boolean;
      expectationsFailed: number | null;
      calls: { expectationFailures: unknown }[];
    };
    expect(doc.aborted).toBe(true);
    expect(doc.expectationsFailed).toBeNull();
    expect(doc.calls.map((c) => c.expectationFailures)).toEqual([null, null, null]);
  }, 30_000);
});
