import { describe, expect, it } from 'vitest';
import { CODEC_TABLE, codecKbps, codecSpec, ScenarioCodecs } from '../../../src/policy/index.js';
import { CODEC_NAMES, VIDEO_CODEC_NAMES } from '../../../src/scenario/index.js';
import { decide, ScenarioBuilder, steps, usage } from '../../support/scenario-builder.js';

describe('c.4 the codec table', () => {
  it('has a row for every codec name, audio then video', () => {
    expect(CODEC_TABLE.map((c) => c.name)).toEqual([...CODEC_NAMES, ...VIDEO_CODEC_NAMES]);
  });

  it('gives the documented figures of both tables, with and without FEC', () => {
    const both = (c: (typeof CODEC_NAMES)[number]): [number, number] => [
      codecKbps(c, 'table1'),
      codecKbps(c, 'table2'),
    ];
    expect(both('PCMU')).toEqual([97, 102]);
    expect(both('PCMU+FEC')).toEqual([161, 166]);
    expect(both('RTAudio-WB+FEC')).toEqual([91, 96]);
    expect(both('RTAudio-NB+FEC')).toEqual([56.6, 61.6]);
    expect(both('G.722+FEC')).toEqual([164.6, 169.6]);
    expect(both('Siren+FEC')).toEqual([68.6, 73.6]);
    expect(both('SILK-WB+FEC')).toEqual([105, 105]);
    expect(codecSpec('RTVideo-VGA').table2).toBe(610);
    expect(codecSpec('RTVideo-CIF').table1).toBe(260);
  });

  it('marks the figures the tables do not give as inferred', () => {
    expect(codecSpec('G.722-Stereo').basis1).toBe('inferred');
    expect(codecSpec('SILK-NB').basis1).toBe('inferred');
    expect(codecSpec('PCMU').basis1).toBe('documented');
    expect(codecSpec('G.722-Stereo').channels).toBe(2);
  });

  it('describes a stream on the wire: payload bytes per packet and the packet rate', () => {
    const t = new ScenarioCodecs(new ScenarioBuilder().build());
    expect(t.wire('PCMU')).toEqual({ packetMs: 20, packetsPerSecond: 50, payloadBytes: 160 });
    expect(t.wire('PCMU+FEC').payloadBytes).toBe(320);
    expect(t.wire('RTAudio-NB').payloadBytes).toBe(30);
    expect(t.wire('RTVideo-CIF')).toEqual({
      packetMs: 33.33,
      packetsPerSecond: 30,
      payloadBytes: 992,
    });
  });

  it('applies the scenario own figures and packetization', () => {
    const s = new ScenarioBuilder()
      .set('codecTable', [{ codec: 'G.722', kbps: 58, ptime: '30ms' }])
      .build();
    const t = new ScenarioCodecs(s);
    expect(t.kbps('audio', 'G.722')).toBe(58);
    expect(t.wire('G.722')).toEqual({ packetMs: 30, packetsPerSecond: 33.33, payloadBytes: 240 });
    expect([...t.overridden]).toEqual(['G.722']);
  });
});

describe('c.3#14 the session limit picks the codec', () => {
  const thin = (codecs: string[]): ScenarioBuilder =>
    new ScenarioBuilder()
      .profile('Branch', { audioBWSessionLimit: 60 })
      .client('alice', { codecs })
      .client('bob', { codecs: ['SILK-WB', 'RTAudio-WB', 'RTAudio-NB', 'G.722', 'PCMU'] })
      .calls({ id: 'p', at: 0, from: 'alice', to: 'bob' });

  it('uses the highest-priority codec that fits, says why, and streams its payload', () => {
    const d = decide(thin(['SILK-WB', 'RTAudio-WB', 'RTAudio-NB', 'PCMU']).topology(), 'p');
    expect(d.codecs.caller).toBe('RTAudio-NB');
    const step = steps(d, 'c.3#14')[0];
    expect(step?.detail).toContain(
      'SILK-WB (69 kbps) exceeds the audio session limit 60 kbps of site:Portland',
    );
    expect(step?.inputs).toMatchObject({ preferred: 'SILK-WB', codec: 'RTAudio-NB' });
    expect(d.streams.map((x) => [x.between, x.codec, x.payloadBytes])).toEqual([
      [['alice', 'bob'], 'RTAudio-NB', 30],
    ]);
    expect(d.holding.reservations[0]?.codec).toBe('RTAudio-NB');
  });

  it('refuses the call when no codec fits', () => {
    const d = decide(thin(['PCMU', 'PCMA']).topology(), 'p');
    expect(d.decision).toBe('REJECTED');
    expect(steps(d, 'c.3#14')[0]?.verdict).toBe('fail');
  });

  it('a scenario figure can make a codec fit', () => {
    const d = decide(
      thin(['G.722', 'PCMU'])
        .set('codecTable', [{ codec: 'G.722', kbps: 58 }])
        .topology(),
      'p',
    );
    expect(d.codecs.caller).toBe('G.722');
  });
});

describe('c.4 video calls carry video', () => {
  const video = (): ScenarioBuilder =>
    new ScenarioBuilder()
      .profile('Branch', { videoBWSessionLimit: 400, videoBWLimit: 600 })
      .client('alice', { videoCodecs: ['RTVideo-VGA', 'RTVideo-CIF'] })
      .client('bob', { videoCodecs: ['RTVideo-VGA', 'RTVideo-CIF'] })
      .calls({ id: 'v', at: 0, from: 'alice', to: 'bob', modality: 'video' });

  it('a video stream each way beside the audio, reserved and labelled with its codec', () => {
    const d = decide(video().topology(), 'v');
    expect(d.decision).toBe('CAC-ADMITTED');
    expect(d.streams.map((x) => [x.modality, x.codec, x.kbps])).toEqual([
      ['audio', 'RTAudio-WB', 62],
      ['video', 'RTVideo-CIF', 260],
    ]);
    expect(d.holding.reservations.map((r) => `${r.modality} ${r.kbps} ${r.codec ?? ''}`)).toEqual([
      'audio 62 RTAudio-WB',
      'video 260 RTVideo-CIF',
    ]);
    // VGA (610) exceeds the 400 kbps video session limit.
    expect(steps(d, 'c.3#14')[0]?.inputs).toMatchObject({ codec: 'RTVideo-CIF' });
  });

  it('VGA where nothing limits it; a pinned video codec wins', () => {
    const lan = decide(
      video()
        .calls({ id: 'v', at: 0, from: 'bob', to: 'bob2', modality: 'video' })
        .add('hosts.clients', {
          name: 'bob2',
          ip: '10.1.0.16',
          maskBits: 24,
          videoCodecs: ['RTVideo-VGA'],
        })
        .topology(),
      'v',
    );
    expect(lan.streams.find((x) => x.modality === 'video')?.codec).toBe('RTVideo-VGA');
    const pinned = decide(
      video()
        .calls({
          id: 'v',
          at: 0,
          from: 'alice',
          to: 'bob',
          modality: 'video',
          videoCodec: 'RTVideo-CIF',
        })
        .topology(),
      'v',
    );
    expect(steps(pinned, 'c.3#14')).toEqual([]);
  });

  it('clients without a common video codec cannot make a video call', () => {
    const d = decide(
      video()
        .client('bob', { videoCodecs: ['RTVideo-VGA'] })
        .client('alice', { videoCodecs: ['RTVideo-CIF'] })
        .topology(),
      'v',
    );
    expect(d.decision).toBe('REJECTED');
    expect(d.reason).toBe('no common video codec');
  });

  it('c.5#22 refused video is not re-routed to the PSTN', () => {
    const d = decide(video().topology(), 'v', usage({ 'site:Portland|video': 600 }));
    expect(d.decision).toBe('REJECTED');
    expect(steps(d, 'c.5#22')[0]?.verdict).toBe('fail');
    expect(steps(d, 'c.5#19')).toEqual([]);
  });
});
