import { describe, expect, it } from 'vitest';
import { decide, ScenarioBuilder, steps, usage, verdicts } from '../../support/scenario-builder.js';

/**
 * alice is signed in on two endpoints in Portland (her desktop and laptop) and a phone in
 * Chicago. gw-por is in Portland, so the Portland endpoints share its bypass ID.
 */
const forked = (): ScenarioBuilder =>
  new ScenarioBuilder()
    .set('hosts.clients', [
      { name: 'alice-pc', ip: '10.2.0.15', maskBits: 24 },
      { name: 'alice-laptop', ip: '10.2.0.16', maskBits: 24 },
      { name: 'alice-phone', ip: '10.1.0.20', maskBits: 24 },
      { name: 'bob', ip: '10.1.0.15', maskBits: 24 },
    ])
    .set('users', [
      {
        name: 'alice',
        lineUri: 'tel:+15035550101',
        voicemail: true,
        endpoints: ['alice-pc', 'alice-laptop', 'alice-phone'],
      },
    ])
    .calls({ id: 'in', at: 0, from: 'gw-por', to: 'alice', answeredBy: 'alice-laptop' });

describe('b.5#37 a call to a user forks to every endpoint', () => {
  it('three endpoints: three early dialogs, each its own bypass choice, one bypassed answer', () => {
    const d = decide(forked().topology(), 'in');
    expect(d.decision).toBe('BYPASS');
    expect(d.mediaPath).toEqual(['gw-por', 'alice-laptop']);
    expect(d.forking?.answeredBy).toBe('alice-laptop');
    expect(d.forking?.earlyDialogs).toBe(3);
    expect(
      d.forking?.endpoints.map((e) => [e.endpoint, e.decision, e.answers, e.cancelled]),
    ).toEqual([
      ['alice-pc', 'BYPASS', false, true],
      ['alice-laptop', 'BYPASS', true, false],
      ['alice-phone', 'CAC-ADMITTED', false, true],
    ]);
    expect(d.forking?.greetingClipped).toBe(false);
    // The other endpoints' own bypass comparison is in the trace, marked with the endpoint.
    expect(
      steps(d, 'b.1#12')
        .map((s) => `${s.verdict} ${s.title}`)
        .sort(),
    ).toEqual([
      'fail [ring alice-phone] Compare bypass IDs',
      'pass Compare bypass IDs',
      'pass [ring alice-pc] Compare bypass IDs',
    ]);
    expect(verdicts(d, 'b.5#37')).toEqual(['info', 'pass']);
  });

  it('the answering endpoint holds the bandwidth; the others hold nothing', () => {
    const d = decide(
      forked()
        .calls({ id: 'in', at: 0, from: 'gw-por', to: 'alice', answeredBy: 'alice-phone' })
        .topology(),
      'in',
    );
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.holding.reservations.map((r) => `${r.link} ${r.kbps} ${r.codec ?? ''}`)).toEqual([
      'site:Portland 97 PCMU',
    ]);
  });

  it('without answeredBy the first endpoint answers', () => {
    const d = decide(
      forked().calls({ id: 'in', at: 0, from: 'gw-por', to: 'alice' }).topology(),
      'in',
    );
    expect(d.forking?.answeredBy).toBe('alice-pc');
    expect(d.to).toBe('alice-pc');
  });

  it('the trunk forwards at most MaxEarlyDialogs early dialogs', () => {
    const d = decide(forked().trunk('global', { maxEarlyDialogs: 2 }).topology(), 'in');
    expect(d.forking?.earlyDialogs).toBe(2);
    expect(d.forking?.endpoints.map((e) => e.earlyDialog)).toEqual([true, true, false]);
  });

  it('an endpoint whose own decision is a rejection does not ring', () => {
    const d = decide(
      forked()
        .trunk('global', { enableBypass: false })
        .calls({ id: 'in', at: 0, from: 'gw-chi', to: 'alice', answeredBy: 'alice-phone' })
        .topology(),
      'in',
      usage({ 'site:Portland': 1000 }),
    );
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.forking?.endpoints.map((e) => [e.endpoint, e.decision, e.earlyDialog])).toEqual([
      ['alice-pc', 'REJECTED', false],
      ['alice-laptop', 'REJECTED', false],
      ['alice-phone', 'CAC-ADMITTED', true],
    ]);
    expect(d.forking?.earlyDialogs).toBe(1);
  });

  it('a call between clients forks too, with no early dialogs to a gateway', () => {
    const d = decide(forked().calls({ id: 'p', at: 0, from: 'bob', to: 'alice' }).topology(), 'p');
    expect(d.forking?.endpoints.length).toBe(3);
    expect(d.forking?.earlyDialogs).toBe(0);
    expect(steps(d, 'b.5#38')).toEqual([]);
  });

  it('an endpoint takes the user settings', () => {
    const s = forked().build();
    const pc = s.hosts.clients.find((c) => c.name === 'alice-pc');
    expect([pc?.user, pc?.lineUri, pc?.voicemail, pc?.sipUri]).toEqual([
      'alice',
      'tel:+15035550101',
      true,
      'sip:alice@litware.example',
    ]);
    expect(s.calls[0]?.user).toBe('alice');
    expect(s.calls[0]?.to).toBe('alice-laptop');
  });
});

describe('b.5#38 a peer that mishandles several early dialogs clips the greeting', () => {
  it('the phone answers through the Mediation Server: its media is not the first early dialog', () => {
    const d = decide(
      forked()
        .gateway('gw-por', { supportsEarlyDialogs: 1 })
        .calls({ id: 'in', at: 0, from: 'gw-por', to: 'alice', answeredBy: 'alice-phone' })
        .topology(),
      'in',
    );
    expect(d.forking?.peerMishandles).toBe(true);
    expect(d.forking?.greetingClipped).toBe(true);
    expect(verdicts(d, 'b.5#38')).toEqual(['fail']);
    expect(d.warnings.join(' ')).toContain("the first words of alice-phone's greeting are clipped");
  });

  it('the first endpoint answers: its media is the first early dialog, no clipping', () => {
    const d = decide(
      forked()
        .gateway('gw-por', { supportsEarlyDialogs: 1 })
        .calls({ id: 'in', at: 0, from: 'gw-por', to: 'alice', answeredBy: 'alice-pc' })
        .topology(),
      'in',
    );
    expect(d.forking?.peerMishandles).toBe(true);
    expect(d.forking?.greetingClipped).toBe(false);
    expect(verdicts(d, 'b.5#38')).toEqual(['info']);
  });
});
