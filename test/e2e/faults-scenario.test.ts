import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { cli } from '../support/cli.js';

/**
 * The faults reference scenario as a user runs it: a partition under a relayed call, a gateway
 * killed under a bypassed call, and a call to the dead gateway. Every call ends with its own
 * final state within the scenario's timeouts (media timeout 2 s, keep-alives every second,
 * two missed mark a gateway down), the exit code is 0 because every expectation holds, and the
 * HTML page shows the gateway's history as the terminal does.
 */

interface FaultsDoc {
  calls: { id: string; state: string; endedAt: number; finalStatus: number | null }[];
  peers: { watcher: string; peer: string; history: { at: number; state: string }[] }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scenarios/faults.yaml, live', () => {
  it('ends each call with its fault and reports the gateway going down, up and down', async () => {
    const json = join(dir, 'faults.json');
    const html = join(dir, 'faults.html');
    const r = await cli(['run', 'scenarios/faults.yaml', '--json', json, '--html', html]);
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 0 });
    const doc = JSON.parse(await readFile(json, 'utf8')) as FaultsDoc;
    const byId = new Map(doc.calls.map((c) => [c.id, c]));
    // The partition starts at 2 s: silence is noticed 2 s later.
    const cut = byId.get('relayed-cut')!;
    expect(cut.state).toBe('media-timeout');
    expect(cut.endedAt).toBeGreaterThan(3500);
    expect(cut.endedAt).toBeLessThan(5000);
    // The gateway dies at 10 s: the bypassed client notices at about 12 s.
    const killed = byId.get('bypass-killed')!;
    expect(killed.state).toBe('media-timeout');
    expect(killed.endedAt).toBeGreaterThan(11500);
    expect(killed.endedAt).toBeLessThan(13000);
    // At 14 s the gateway is known to be down: 503 at once.
    const dead = byId.get('to-dead-gateway')!;
    expect(dead).toMatchObject({ state: 'peer-down', finalStatus: 503 });
    expect(dead.endedAt).toBeLessThan(14500);
    const gw = doc.peers.find((p) => p.peer === 'gw-por')!;
    expect(gw.history.map((h) => h.state)).toEqual(['down', 'up', 'down']);
    expect(r.out).toMatch(/ms-hq -> gw-por: down at 4\.\d s .*up at 8\.\d s .*down at 1[12]\.\d s/);
    // The page shows the same history.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${html}`);
      const steps = await page.locator('#health ol.history li').allTextContents();
      expect(steps.map((t) => t.split(' ')[0])).toEqual(['down', 'up', 'down']);
      expect(steps[0]).toContain('2 keep-alives unanswered');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
