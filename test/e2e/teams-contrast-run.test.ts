import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Captured } from '../support/cli.js';

/**
 * `mediapath run scenarios/teams-contrast.yaml`: the calls run live under Skype for Business
 * Server, then again under Teams Direct Routing (the contrast pass), and `expect.contrast` is
 * checked against what the second pass observed on the wire.
 */

interface ContrastJson {
  readonly deployment: string;
  readonly decision: string;
  readonly mediaPath: readonly string[];
  readonly observedPath: {
    readonly forward: { readonly hops: readonly string[]; readonly complete: boolean };
    readonly backward: { readonly hops: readonly string[]; readonly complete: boolean };
  };
  readonly media: string;
  readonly state: string;
  readonly escalationObserved?: { readonly forward: { readonly hops: readonly string[] } };
}

interface CallJson {
  readonly id: string;
  readonly decision: string;
  readonly observedPath: { readonly forward: { readonly hops: readonly string[] } };
  readonly contrast: ContrastJson;
  readonly expectationFailures: readonly unknown[];
  /** The part of a call after its transfer (b.5 #39): the call it comes from. */
  readonly transferOf?: string;
}

const root = join(import.meta.dirname, '../..');
let dir: string;
let run: Captured;
let calls: readonly CallJson[];
/** The parts of calls after their transfer, carried out in both passes. */
let parts: readonly CallJson[];
let contrastPass: { deployment: string; hosts: { host: string; scenarioIp: string }[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mediapath-teams-contrast-'));
  const json = join(dir, 'run.json');
  run = await cli([
    'run',
    join(root, 'scenarios', 'teams-contrast.yaml'),
    '--json',
    json,
    '--html',
    join(dir, 'run.html'),
  ]);
  const doc = JSON.parse(await readFile(json, 'utf8')) as {
    calls: CallJson[];
    contrastPass: typeof contrastPass;
  };
  calls = doc.calls.filter((c) => c.transferOf === undefined);
  parts = doc.calls.filter((c) => c.transferOf !== undefined);
  contrastPass = doc.contrastPass;
}, 90_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a live run with a Teams contrast', () => {
  it('meets every expectation, those of the contrast pass too', () => {
    expect({ code: run.code, err: run.err.split('\n').filter((l) => /error/i.test(l)) }).toEqual({
      code: 0,
      err: [],
    });
    expect(calls.flatMap((c) => c.expectationFailures)).toEqual([]);
    expect(run.err).toContain('pass 1 of 2 (sfb-server): running');
    expect(run.err).toContain('pass 2 of 2 (teams-direct-routing): running');
    // The second pass had the cloud relays as hosts, at addresses of their own.
    expect(contrastPass.deployment).toBe('teams-direct-routing');
    expect(contrastPass.hosts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ host: 'teams-mp', scenarioIp: '203.0.113.10' }),
        expect.objectContaining({ host: 'teams-tr', scenarioIp: '203.0.113.20' }),
      ]),
    );
  });

  it('carried the transfer out in both passes: under Teams the Media Processor joins', () => {
    expect(
      parts.map((p) => [
        p.id,
        p.observedPath.forward.hops.join(' -> '),
        p.contrast.decision,
        p.contrast.observedPath.forward.hops.join(' -> '),
        p.contrast.media,
        p.contrast.state,
      ]),
    ).toEqual([
      [
        'transferred-to-sfb-user/transfer',
        'sbc-chi -> sam',
        'RELAY',
        'sbc-chi -> teams-mp -> sam',
        'both-ways',
        'completed',
      ],
    ]);
    expect(parts.flatMap((p) => p.expectationFailures)).toEqual([]);
    // The terminal's contrast section: the transfer's path before and after under Teams.
    expect(run.out).toContain(
      'transferred-to-sfb-user (teams-direct-routing): transferred 4.0 s into the call to sam (teams): before sbc-chi -> carol, after sbc-chi -> teams-mp -> sam (transferred-to-sfb-user/transfer, completed)',
    );
  });

  it('observed each call under both deployments, from the packets', () => {
    const paths = Object.fromEntries(
      calls.map((c) => [
        c.id,
        [
          c.observedPath.forward.hops.join(' -> '),
          c.contrast.observedPath.forward.hops.join(' -> '),
        ],
      ]),
    );
    expect(paths).toEqual({
      'branch-user-local-sbc': ['alice -> sbc-por', 'alice -> sbc-por'],
      'hq-user-branch-sbc': ['bob -> ms-chi -> sbc-por', 'bob -> sbc-chi -> sbc-por'],
      'external-user': ['xavier -> edge-chi -> ms-chi -> sbc-chi', 'xavier -> teams-tr -> sbc-chi'],
      'sbc-without-bypass': ['bob -> ms-chi -> sbc-old', 'bob -> teams-mp -> sbc-old'],
      'transferred-to-sfb-user': ['sbc-chi -> carol', 'sbc-chi -> carol'],
      'escalates-to-group': ['bob -> carol', 'bob -> carol'],
    });
    for (const c of calls) {
      expect(c.contrast).toMatchObject({
        deployment: 'teams-direct-routing',
        media: 'both-ways',
        // The transferred call's first part carried on as its part after the transfer.
        state: c.id === 'transferred-to-sfb-user' ? 'transferred' : 'completed',
      });
      expect(c.contrast.observedPath.backward.hops).toEqual(
        [...c.contrast.observedPath.forward.hops].reverse(),
      );
    }
  });

  it('re-anchored the escalating call on the Media Processor in the Teams pass', () => {
    const c = calls.find((x) => x.id === 'escalates-to-group');
    expect(c?.contrast.escalationObserved?.forward.hops).toEqual(['bob', 'teams-mp', 'carol']);
    expect(run.out).toContain(
      'escalates-to-group (teams-direct-routing): escalated 5.0 s into the call, the Media Processor teams-mp joined: bob -> teams-mp -> carol (both ways)',
    );
  });

  it('shows the second pass in the terminal table and the HTML page', async () => {
    expect(run.out).toContain('Contrast: the same calls run again under teams-direct-routing');
    // The cloud relays of the second pass are in the address list, for reading a capture.
    expect(run.out).toMatch(/127\.\d+\.\d+\.\d+ teams-mp \(203\.0\.113\.10\)/);
    expect(run.out).toMatch(
      /sbc-without-bypass +CAC-ADMITTED +bob -> ms-chi -> sbc-old +RELAY +bob -> teams-mp -> sbc-old/,
    );
    const html = await readFile(join(dir, 'run.html'), 'utf8');
    expect(html).toContain('under teams-direct-routing (observed)');
    expect(html).toContain('bob -&gt; teams-mp -&gt; sbc-old');
    expect(html).toContain(
      'escalated 5.0 s into the call, the Media Processor teams-mp joined: bob -&gt; teams-mp -&gt; carol (both ways)',
    );
  });
});
