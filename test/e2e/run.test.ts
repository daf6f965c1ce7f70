import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

interface RunDoc {
  calls: {
    id: string;
    decision: string;
    media: string;
    finalStatus: number | null;
    observedPath: { forward: { hops: string[]; complete: boolean } };
    received: { receiver: string; source: string | null; packets: number }[];
    drops: { host: string; source: string | null; packets: number }[];
    sip: { host: string; dir: string; summary: string }[];
  }[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Live runs: real SIP and RTP between hosts on loopback addresses (slow: seconds each). */
describe('mediapath run', () => {
  it('runs the default scenario: a bypassed call, a relayed call and a CAC refusal', async () => {
    const json = join(dir, 'default.json');
    const r = await cli(['run', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /branch-bypass\s+alice\s+gw-por\s+gw-por\s+BYPASS\s+alice -> gw-por\s+\d{3}\s+\d{3}/,
    );
    expect(r.out).toMatch(
      /hq-relayed\s+bob\s+gw-por\s+gw-por\s+CAC-ADMITTED\s+bob -> ms-hq -> gw-por/,
    );
    expect(r.out).toMatch(/hq-refused\s+carol\s+gw-por\s+gw-por\s+REJECTED\s+none \(SIP 488\)/);
    expect(r.out).toContain('All 3 expectations met.');

    const doc = JSON.parse(await readFile(json, 'utf8')) as RunDoc;
    const [bypassed, relayed, refused] = doc.calls;
    // The bypassed call's media never touched the Mediation Server.
    expect(bypassed?.received.some((s) => s.receiver === 'ms-hq')).toBe(false);
    expect(bypassed?.received.find((s) => s.receiver === 'gw-por')?.source).toBe('alice');
    // The relayed call's media went through both of the Mediation Server's legs.
    expect(
      relayed?.received
        .filter((s) => s.receiver === 'ms-hq')
        .map((s) => s.source)
        .sort(),
    ).toEqual(['bob', 'gw-por']);
    // The whole dialog is in the SIP log: INVITE, 180, 200, ACK, BYE on the client leg (the
    // Mediation Server rings within 200 ms: no 100 Trying).
    const bobSaid = relayed?.sip
      .filter((m) => m.host === 'bob')
      .map((m) => `${m.dir} ${m.summary.split(' ')[0] ?? ''}`);
    expect(bobSaid).toEqual(
      expect.arrayContaining(['out INVITE', 'in 180', 'in 200', 'out ACK', 'out BYE', 'in 200']),
    );
    // The refused call got 488 from the Mediation Server, and no media flowed.
    expect(refused?.finalStatus).toBe(488);
    expect(refused?.received.reduce((n, s) => n + s.packets, 0)).toBe(0);
    expect(
      refused?.sip.some(
        (m) => m.host === 'ms-hq' && m.dir === 'out' && m.summary.startsWith('488'),
      ),
    ).toBe(true);
  }, 30_000);

  it('shows the broken SIP trunk SBC lab from the packets: the SBC drops the bypassed media', async () => {
    const json = join(dir, 'broken.json');
    const r = await cli(['run', 'labs/broken-sip-trunk-sbc/scenario.yaml', '--json', json]);
    // The lab's scenario asserts nothing (its goals are in lab.yaml): the run itself succeeds.
    expect(r.code).toBe(0);
    expect(r.out).toContain('dropped: sbc-chi dropped');
    const doc = JSON.parse(await readFile(json, 'utf8')) as RunDoc;
    const call = doc.calls.find((c) => c.id === 'out-via-sbc');
    expect(call?.decision).toBe('BYPASS');
    expect(call?.media).toBe('one-way');
    expect(call?.observedPath.forward.complete).toBe(false);
    expect(call?.drops.find((d) => d.host === 'sbc-chi')?.packets).toBeGreaterThan(100);
  }, 30_000);
});
