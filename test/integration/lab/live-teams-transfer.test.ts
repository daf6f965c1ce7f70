import { describe, expect, it } from 'vitest';
import type { RunCallResult } from '../../../src/report/index.js';
import { runFixtureLive } from '../../support/live-fixture.js';
import { expectMediaAlong } from '../../support/live-expect.js';

/**
 * Transfers under Teams Direct Routing live (docs/rules.md g, b.5 #39): the transferring client
 * sends REFER to the Teams SIP proxy (the Mediation Server host); the proxy calls the target
 * and re-INVITEs the SBC with where the media goes after the transfer: through the Media
 * Processor to a user still on Skype for Business, straight to the SBC for a Teams user; a
 * transfer to a number is handed to the SBC. Counted from the packets each host received.
 */

/** What `host` sent (`>`) or received (`<`) of a call: the method, or the status. */
function ladder(c: RunCallResult, host: string): string[] {
  return c.sip
    .filter((m) => m.host === host)
    .map((m) => `${m.dir === 'out' ? '>' : '<'} ${m.summary.split(' ')[0] ?? ''}`);
}

describe('live: transfers under Teams Direct Routing', () => {
  it('carries each transfer out; the Media Processor joins for a Skype for Business user', async () => {
    const { calls } = await runFixtureLive('live-teams-transfer.yaml');
    const byId = (id: string): RunCallResult => calls.find((c) => c.call.id === id)!;
    expect(calls.flatMap((c) => c.failures)).toEqual([]);
    expect(calls.map((c) => `${c.call.id} ${c.state} ${c.decision.decision}`)).toEqual([
      'to-sfb-user transferred BYPASS',
      'to-sfb-user/transfer completed RELAY',
      'to-teams-user transferred BYPASS',
      'to-teams-user/transfer completed BYPASS',
      'to-a-number transferred BYPASS',
      'to-a-number/transfer completed HANDED-OFF',
    ]);

    // Before the transfer (its first 2 s): media bypass, the client straight to the SBC.
    expectMediaAlong(byId('to-sfb-user'), ['sbc-chi', 'carol'], 2000);

    // After it, to sam (SfBOnly): the Media Processor transcodes between the SBC's G.711 and
    // sam's codec; nothing more reaches carol.
    const sfb = byId('to-sfb-user/transfer');
    expectMediaAlong(sfb, ['sbc-chi', 'teams-mp', 'sam']);
    expect(sfb.decision.teams?.mediaProcessor).toBe('teams-mp');
    // The SBC was re-INVITEd twice by the proxy (on hold, then the Media Processor's address).
    expect(ladder(sfb, 'sbc-chi').filter((l) => l === '< INVITE')).toHaveLength(2);
    // carol sent REFER to the proxy and hung up after the final NOTIFY.
    const carol = ladder(byId('to-sfb-user'), 'carol');
    expect(carol.slice(carol.indexOf('> REFER'))).toEqual(
      expect.arrayContaining(['< 202', '< NOTIFY', '> BYE']) as unknown,
    );

    // To a Teams user the media stays bypassed: straight between the SBC and bob.
    expectMediaAlong(byId('to-teams-user/transfer'), ['sbc-chi', 'bob']);

    // To a number: the proxy passes REFER on, the SBC takes the call to the PSTN itself.
    expect(ladder(byId('to-a-number'), 'sbc-chi')).toEqual(
      expect.arrayContaining(['< REFER', '> NOTIFY']) as unknown,
    );
    expectMediaAlong(byId('to-a-number/transfer'), ['sbc-chi', 'pstn']);

    expect(calls.flatMap((c) => c.legs?.filter((l) => l.end === 'open') ?? [])).toEqual([]);
  }, 30_000);
});
