import { describe, expect, it } from 'vitest';
import { runTimeline } from '../../../src/policy/index.js';
import { litware } from '../../support/scenario-builder.js';

/**
 * The reference scenario's calls carry their expected decisions (after the Litware example of Microsoft's call admission control planning). Each was
 * checked by hand against the rules named in the test title.
 */
describe('Litware reference calls', () => {
  const run = runTimeline(litware().topology());
  const byId = new Map(run.entries.map((e) => [e.call.id, e.decision]));

  it.each([
    ['portland-local-gw', 'BYPASS', 'alice -> gw-por', 'b.1#12 same site ID'],
    ['portland-wifi-local-gw', 'BYPASS', 'paula -> gw-por', 'b.4#30 second Portland subnet'],
    [
      'portland-to-chicago-gw',
      'CAC-ADMITTED',
      'alice -> ms-chi -> gw-chi',
      'b.4#29 Portland own ID',
    ],
    ['newyork-chicago-gw', 'BYPASS', 'carol -> gw-chi', 'b.4#28 NewYork inherits NA'],
    [
      'newyork-slash25-no-exact-subnet',
      'CAC-ADMITTED',
      'ivan -> ms-chi -> gw-chi',
      'b.1#10 exact match',
    ],
    ['inbound-portland', 'BYPASS', 'gw-por -> alice', 'b.1#12 inbound'],
    ['reno-albuquerque-p2p', 'CAC-ADMITTED', 'erin -> frank', 'c.2#8'],
    ['london-chicago-p2p', 'CAC-ADMITTED', 'gina -> bob', 'c.2#7'],
    ['beijing-newyork-p2p', 'CAC-ADMITTED', 'hank -> carol', 'c.2#7'],
    ['old-client-hairpin', 'CAC-ADMITTED', 'oscar -> ms-chi -> gw-por', 'b.1#8'],
    ['external-user-pstn', 'CAC-ADMITTED', 'xavier -> edge-chi -> ms-chi -> gw-chi', 'b.1#6'],
    ['london-local-gw', 'BYPASS', 'gina -> gw-lon', 'b.4#28 London inherits EMEA'],
  ])('%s is %s along %s (%s)', (id, decision, path) => {
    const d = byId.get(id);
    expect(d?.decision).toBe(decision);
    expect(d?.mediaPath.join(' -> ')).toBe(path);
  });

  it('every call of the file is covered above', () => {
    expect(run.entries).toHaveLength(12);
  });
});
