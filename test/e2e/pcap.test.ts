import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (process.env.CI === 'true' && !tsharkAvailable()) {
  throw new Error('CI needs tshark (.ci/run installs it)');
}

const root = join(import.meta.dirname, '..', '..');

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

interface Host {
  readonly host: string;
  readonly address: string;
  readonly scenarioIp: string;
  readonly role: string;
}

interface Call {
  readonly id: string;
  readonly received: readonly {
    readonly receiver: string;
    readonly source: string | null;
    readonly sourceAddress: string;
    readonly packets: number;
    readonly lost: number;
  }[];
  readonly sip: readonly { readonly dir: string; readonly callId: string }[];
}

/** One row of `tshark -z rtp,streams`: source, destination address, packets, lost. */
interface TsharkStream {
  readonly src: string;
  readonly dstIp: string;
  readonly packets: number;
  readonly lost: number;
}

function rtpStreams(pcap: string): TsharkStream[] {
  const out: TsharkStream[] = [];
  for (const line of tshark(['-r', pcap, '-q', '-z', 'rtp,streams']).split('\n')) {
    const f = line.trim().split(/\s+/);
    // start end srcIp srcPort dstIp dstPort ssrc payload packets lost(%) ...
    if (f.length > 10 && /^\d+\.\d+\.\d+\.\d+$/.test(f[2] ?? '')) {
      out.push({
        src: `${f[2]}:${f[3]}`,
        dstIp: f[4] ?? '',
        packets: Number(f[8]),
        lost: Number(f[9]),
      });
    }
  }
  return out;
}

describe.skipIf(!tsharkAvailable())('mediapath run --pcap', () => {
  let dir: string;
  let pcap: string;
  let hosts: Host[];
  let calls: Call[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mediapath-pcap-'));
    pcap = join(dir, 'capture', 'run.pcapng');
    const json = join(dir, 'run.json');
    const r = await cli([
      'run',
      join(root, 'scenarios', 'branch-cac.yaml'),
      '--pcap',
      pcap,
      '--json',
      json,
    ]);
    if (r.code !== 0) {
      throw new Error(`the run failed (${r.code}): ${r.err}`);
    }
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { hosts: Host[]; calls: Call[] };
    hosts = doc.hosts;
    calls = doc.calls;
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the scenario addresses and host names, never the loopback ones', () => {
    const ips = tshark(['-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst']);
    expect(ips).not.toMatch(/127\.77\./);
    expect(ips).toContain('172.29.77.200');
    const sdp = tshark(['-r', pcap, '-Y', 'sdp', '-T', 'fields', '-e', 'sdp.connection_info']);
    expect(sdp).not.toMatch(/127\.77\./);
    const named = tshark(['-r', pcap, '-N', 'n', '-c', '1']);
    expect(named).toMatch(/p1|gw-por|ms-chi/);
  });

  it('decodes as many SIP messages per call as the report logged as received', () => {
    const ids = tshark(['-r', pcap, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'])
      .split('\n')
      .filter((l) => l !== '');
    const perCallId = new Map<string, number>();
    for (const id of ids) {
      perCallId.set(id, (perCallId.get(id) ?? 0) + 1);
    }
    // The capture's messages carry scenario addresses, Call-IDs included.
    const rewritten = (id: string): string =>
      id.replace(/127\.\d+\.\d+\.\d+/g, (a) => hosts.find((h) => h.address === a)?.scenarioIp ?? a);
    for (const c of calls) {
      const expected = new Map<string, number>();
      for (const m of c.sip.filter((x) => x.dir === 'in')) {
        const id = rewritten(m.callId);
        expected.set(id, (expected.get(id) ?? 0) + 1);
      }
      for (const [id, n] of expected) {
        expect({ call: c.id, sipCallId: id, n: perCallId.get(id) }).toEqual({
          call: c.id,
          sipCallId: id,
          n,
        });
      }
    }
    expect(ids.length).toBe(
      calls.reduce((n, c) => n + c.sip.filter((x) => x.dir === 'in').length, 0),
    );
  });

  it('has the RTP streams of the report (found from the SDP), with the same packets and loss', () => {
    const streams = rtpStreams(pcap);
    const scenarioIp = (address: string): string =>
      hosts.find((h) => h.address === address)?.scenarioIp ?? address;
    let compared = 0;
    for (const c of calls) {
      for (const s of c.received.filter((x) => x.packets >= 5)) {
        const [ip = '', port = ''] = s.sourceAddress.split(':');
        const src = `${scenarioIp(ip)}:${port}`;
        const to = hosts.filter((h) => h.host === s.receiver).map((h) => h.scenarioIp);
        const match = streams.filter((t) => t.src === src && to.includes(t.dstIp));
        expect({ call: c.id, from: s.source, to: s.receiver, found: match.length }).toEqual({
          call: c.id,
          from: s.source,
          to: s.receiver,
          found: 1,
        });
        expect(match[0]).toMatchObject({ packets: s.packets, lost: s.lost });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe.skipIf(!tsharkAvailable())('mediapath run --pcap with transfers (b.5 #39)', () => {
  it('shows the REFERs, the NOTIFYs with their sipfrag and the re-INVITEs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mediapath-pcap-'));
    try {
      const pcap = join(dir, 'transfers.pcapng');
      const r = await cli([
        'run',
        join(root, 'test', 'fixtures', 'scenarios', 'live-transfers.yaml'),
        '--pcap',
        pcap,
      ]);
      expect(r.code).toBe(0);
      const methods = tshark(['-r', pcap, '-Y', 'sip.Method', '-T', 'fields', '-e', 'sip.Method'])
        .split('\n')
        .filter((l) => l !== '');
      // Five REFERs from alice, two passed on to gw-refer; a NOTIFY 100 and 200 to alice for
      // each, and from gw-refer for each of its two.
      expect(methods.filter((m) => m === 'REFER')).toHaveLength(7);
      expect(methods.filter((m) => m === 'NOTIFY')).toHaveLength(14);
      const frags = tshark(['-r', pcap, '-Y', 'sipfrag', '-T', 'fields', '-e', 'sipfrag.line']);
      expect(frags).toContain('SIP/2.0 100 Trying');
      expect(frags).toContain('SIP/2.0 200 OK');
      // Three Mediation Server transfers, each re-INVITEs the gateway twice (hold, then media).
      const reinvites = tshark([
        '-r',
        pcap,
        '-Y',
        'sip.Method == "INVITE" && sip.to.tag',
        '-T',
        'fields',
        '-e',
        'sip.Call-ID',
      ])
        .split('\n')
        .filter((l) => l !== '');
      expect(reinvites).toHaveLength(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
