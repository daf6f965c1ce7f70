import { describe, expect, it } from 'vitest';
import { hasCode } from '../../../src/core/index.js';
import { Ledger, runTimeline, type Holding, type Reservation } from '../../../src/policy/index.js';
import type { Modality } from '../../../src/scenario/index.js';
import { litware } from '../../support/scenario-builder.js';

/** A small seeded generator (mulberry32), so that a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LINKS = [
  'site:Portland',
  'site:Reno',
  'region-link:NA-EMEA-LINK',
  'inter-site:Reno_Albuquerque',
];
const KBPS = [44.8, 62, 97, 102, 49.8, 260, 0];
const MODALITIES: Modality[] = ['audio', 'video'];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

describe('Ledger', () => {
  it('c.3#12 releasing every reservation returns usage to zero and usage is never negative (seeded)', () => {
    for (const seed of [1, 2, 3, 42, 2024]) {
      const rnd = random(seed);
      const ledger = new Ledger();
      const open: string[] = [];
      const expected = new Map<string, number>();
      for (let step = 0; step < 2000; step++) {
        if (open.length === 0 || rnd() < 0.55) {
          const id = `call-${seed}-${step}`;
          const reservations: Reservation[] = [];
          const n = Math.floor(rnd() * 4);
          for (let i = 0; i < n; i++) {
            reservations.push({
              link: pick(rnd, LINKS),
              modality: pick(rnd, MODALITIES),
              kbps: pick(rnd, KBPS),
            });
          }
          const channels = rnd() < 0.3 ? ['gw-chi'] : [];
          ledger.reserve(id, { reservations, channels });
          open.push(id);
          for (const r of reservations) {
            const key = `${r.link}|${r.modality}`;
            expected.set(key, (expected.get(key) ?? 0) + r.kbps);
          }
        } else {
          const id = open.splice(Math.floor(rnd() * open.length), 1)[0]!;
          const held = ledger.release(id);
          for (const r of held.reservations) {
            const key = `${r.link}|${r.modality}`;
            expected.set(key, (expected.get(key) ?? 0) - r.kbps);
          }
        }
        for (const link of LINKS) {
          for (const m of MODALITIES) {
            const used = ledger.used(link, m);
            expect(used).toBeGreaterThanOrEqual(0);
            expect(used).toBeCloseTo(Math.max(0, expected.get(`${link}|${m}`) ?? 0), 6);
          }
        }
        expect(ledger.channelsInUse('gw-chi')).toBeGreaterThanOrEqual(0);
      }
      expect(ledger.activeCalls).toBe(open.length);
      for (const id of open.splice(0)) {
        ledger.release(id);
      }
      expect(ledger.activeCalls).toBe(0);
      expect(ledger.snapshot()).toEqual([]);
      expect(ledger.channelSnapshot()).toEqual([]);
      for (const link of LINKS) {
        expect(ledger.used(link, 'audio')).toBe(0);
        expect(ledger.used(link, 'video')).toBe(0);
      }
    }
  });

  it('releasing an unknown call id fails with SIM_ERR_LEDGER_UNKNOWN_RESERVATION', () => {
    const ledger = new Ledger();
    let caught: unknown;
    try {
      ledger.release('nobody');
    } catch (e) {
      caught = e;
    }
    expect(hasCode(caught, 'SIM_ERR_LEDGER_UNKNOWN_RESERVATION')).toBe(true);
  });

  it('releasing the same call twice fails the second time and leaves usage at zero', () => {
    const ledger = new Ledger();
    const holding: Holding = {
      reservations: [{ link: 'site:Portland', modality: 'audio', kbps: 97 }],
      channels: [],
    };
    ledger.reserve('a', holding);
    expect(ledger.used('site:Portland', 'audio')).toBe(97);
    ledger.release('a');
    expect(() => ledger.release('a')).toThrow(
      expect.objectContaining({ code: 'SIM_ERR_LEDGER_UNKNOWN_RESERVATION' }),
    );
    expect(ledger.used('site:Portland', 'audio')).toBe(0);
  });

  it('refuses a second holding for the same call and a negative or non-finite reservation', () => {
    const ledger = new Ledger();
    ledger.reserve('a', { reservations: [], channels: ['gw-chi'] });
    expect(() => ledger.reserve('a', { reservations: [], channels: [] })).toThrow(
      /already holds a reservation/,
    );
    for (const kbps of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        ledger.reserve(`bad-${kbps}`, {
          reservations: [{ link: 'site:Reno', modality: 'audio', kbps }],
          channels: [],
        }),
      ).toThrow(RangeError);
    }
    expect(ledger.used('site:Reno', 'audio')).toBe(0);
    expect(ledger.channelsInUse('gw-chi')).toBe(1);
  });

  it('the Litware timeline ends with an empty ledger after holding bandwidth during the run', () => {
    const run = runTimeline(litware().topology());
    expect(run.entries.length).toBe(12);
    expect(run.entries.some((e) => e.ledgerAfter.length > 0)).toBe(true);
    expect(run.ledgerAtEnd).toEqual([]);
  });
});
