import { describe, expect, it } from 'vitest';
import { followMedia, observeCall, type ReceivedStream } from '../../../src/report/index.js';

function rx(receiver: string, source: string | null, packets: number, lost = 0): ReceivedStream {
  return {
    receiver,
    source,
    sourceAddress: `${source ?? 'stranger'}:4000`,
    packets,
    bytes: packets * 172,
    lost,
    jitterMs: 1,
    latencyP50Ms: 0.2,
    latencyP99Ms: 0.5,
  };
}

const isMs = (h: string): boolean => h.startsWith('ms-');

describe('followMedia', () => {
  it('follows a relayed path hop by hop', () => {
    const p = followMedia('alice', 'gw-chi', [
      rx('ms-chi', 'alice', 200),
      rx('gw-chi', 'ms-chi', 199),
      rx('ms-chi', 'gw-chi', 200),
      rx('alice', 'ms-chi', 200),
    ]);
    expect(p).toMatchObject({ hops: ['alice', 'ms-chi', 'gw-chi'], complete: true });
    expect(p.last?.receiver).toBe('gw-chi');
  });

  it('stops where media stops and ignores a few stray packets', () => {
    const p = followMedia('alice', 'sbc', [rx('ms', 'alice', 3)]);
    expect(p).toMatchObject({ hops: ['alice'], complete: false });
  });

  it('prefers the branch that reaches the target', () => {
    const p = followMedia('a', 'b', [rx('x', 'a', 50), rx('y', 'a', 50), rx('b', 'y', 50)]);
    expect(p.hops).toEqual(['a', 'y', 'b']);
  });

  it('ignores streams from unknown sources', () => {
    expect(followMedia('a', 'b', [rx('b', null, 500)]).complete).toBe(false);
  });
});

describe('observeCall', () => {
  const bypass = {
    decision: 'BYPASS',
    bypass: true,
    mediaPath: ['alice', 'gw-por'],
    from: 'alice',
    to: 'gw-por',
  };

  it('sees a bypassed call flowing both ways as decided', () => {
    const o = observeCall(
      bypass,
      { received: [rx('gw-por', 'alice', 200, 2), rx('alice', 'gw-por', 198)], drops: [] },
      isMs,
    );
    expect(o.media).toBe('both-ways');
    expect(o.divergences).toEqual([]);
    expect(o.lossPercent).toBeCloseTo((2 / 400) * 100, 5);
  });

  it('does not flag early media a relay got before the answer gave it a peer', () => {
    const media = (reason: string) => ({
      received: [rx('gw-por', 'alice', 200), rx('alice', 'gw-por', 200)],
      drops: [{ host: 'gw-por', source: null, packets: 2, reason }],
    });
    expect(observeCall(bypass, media('no-peer'), isMs).divergences).toEqual([]);
    expect(observeCall(bypass, media('stranger'), isMs).divergences.map((d) => d.kind)).toEqual([
      'dropped',
    ]);
  });

  it('flags media through the Mediation Server on a bypassed call', () => {
    const o = observeCall(
      bypass,
      {
        received: [
          rx('ms-chi', 'alice', 200),
          rx('gw-por', 'ms-chi', 200),
          rx('ms-chi', 'gw-por', 200),
          rx('alice', 'ms-chi', 200),
        ],
        drops: [],
      },
      isMs,
    );
    expect(o.divergences.map((d) => d.kind)).toEqual(['relayed-on-bypass', 'path-differs']);
  });

  it('flags one-way media and the host that dropped it (the broken SBC lab)', () => {
    const o = observeCall(
      { decision: 'BYPASS', bypass: true, mediaPath: ['alice', 'sbc'], from: 'alice', to: 'sbc' },
      {
        received: [rx('alice', 'sbc', 200)],
        drops: [
          {
            host: 'sbc',
            source: 'alice',
            packets: 200,
            reason: 'accepts media only from the Mediation Server',
          },
        ],
      },
      isMs,
    );
    expect(o.media).toBe('one-way');
    expect(o.divergences.map((d) => d.kind)).toEqual(['one-way-media', 'dropped']);
    expect(o.divergences[0]?.detail).toContain(
      'caller -> callee media from alice was accepted by no host',
    );
  });

  it('flags no media on an admitted call, and media on a refused one', () => {
    const admitted = {
      decision: 'CAC-ADMITTED',
      bypass: false,
      mediaPath: ['bob', 'ms', 'gw'],
      from: 'bob',
      to: 'gw',
    };
    expect(
      observeCall(admitted, { received: [], drops: [] }, isMs).divergences.map((d) => d.kind),
    ).toEqual(['no-media']);
    const refused = { decision: 'REJECTED', bypass: false, mediaPath: [], from: 'carol', to: 'gw' };
    expect(observeCall(refused, { received: [], drops: [] }, isMs)).toMatchObject({
      media: 'none',
      divergences: [],
    });
    expect(
      observeCall(refused, { received: [rx('gw', 'carol', 100)], drops: [] }, isMs).divergences.map(
        (d) => d.kind,
      ),
    ).toEqual(['media-on-refused-call']);
  });
});

describe('observeCall with an outside peer', () => {
  it('says that what an outside peer receives is not observed, instead of "accepted by no host"', () => {
    const decision = {
      decision: 'BYPASS',
      bypass: true,
      mediaPath: ['gw-por', 'alice'],
      from: 'gw-por',
      to: 'alice',
    };
    const media = { received: [rx('alice', 'gw-por', 150)], drops: [] };
    const plain = observeCall(decision, media, isMs);
    expect(plain.divergences[0]?.detail).toBe(
      'callee -> caller media from alice was accepted by no host',
    );
    const outside = observeCall(decision, media, isMs, (h) => h === 'gw-por');
    expect(outside.media).toBe('one-way');
    expect(outside.divergences[0]?.detail).toBe(
      'callee -> caller media to gw-por is not observed: gw-por is an outside peer',
    );
  });
});
