import { describe, expect, it } from 'vitest';
import type { StreamPlan } from '../../../src/policy/index.js';
import type { ReceivedStream } from '../../../src/report/observed.js';
import { observedCodec, observedStreams } from '../../../src/report/observed-streams.js';

const plan = (codec: string, pt: number, bytes: number, a: string, b: string): StreamPlan =>
  ({
    modality: codec.startsWith('RTVideo') ? 'video' : 'audio',
    between: [a, b],
    codec,
    payloadType: pt,
    payloadBytes: bytes,
  }) as unknown as StreamPlan;

const got = (
  receiver: string,
  source: string,
  pt: number,
  bytes: number,
  modality: 'audio' | 'video' = 'audio',
): ReceivedStream => ({
  receiver,
  source,
  sourceAddress: '127.0.0.1:1',
  packets: 100,
  bytes: 100 * (bytes + 12),
  lost: 0,
  jitterMs: 0,
  latencyP50Ms: null,
  latencyP99Ms: null,
  modality,
  payloadType: pt,
  payloadBytes: bytes,
  kbps: 17,
});

describe('observed streams', () => {
  const plans = [
    plan('RTAudio-NB', 115, 30, 'alice', 'ms-chi'),
    plan('PCMU', 0, 160, 'ms-chi', 'gw-chi'),
  ];

  it('names the codec of the caller hop from what the caller received', () => {
    const received = [got('alice', 'ms-chi', 115, 30), got('gw-chi', 'ms-chi', 0, 160)];
    expect(observedCodec(plans, received, 'alice', 'audio')).toBe('RTAudio-NB');
    expect(observedCodec(plans, received, 'alice', 'video')).toBeNull();
    expect(observedStreams(plans, received).map((s) => s.codec)).toEqual(['RTAudio-NB', 'PCMU']);
  });

  it('says what came when it is not the decided codec', () => {
    const received = [got('alice', 'ms-chi', 0, 160)];
    expect(observedCodec(plans, received, 'alice', 'audio')).toBe('pt 0, 160 B');
  });
});
