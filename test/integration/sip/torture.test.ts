/**
 * The RFC 4475 and RFC 5118 torture corpus (shared/testdata/sip-torture, see its INDEX.md),
 * each message sent as one UDP datagram to both listeners of the B2BUA, while a call is up.
 *
 * Liberal choices (the INDEX allows either answer; we process these normally):
 * - `baddate`: the Date header is never used, so its bad time zone is ignored.
 * - `badbranch`: a branch that is only the magic cookie falls back to RFC 2543 transaction
 *   matching, like a request without a branch (`inv2543`).
 * - `inv2543`: accepted for RFC 2543 compatibility (no branch, no From tag, no
 *   Content-Length: the body is the rest of the datagram).
 * - `ipv6-bug-abnf-3-colons`: tolerated as RFC 5118 section 4.10 requires.
 * - `mismatch02`: answered 400 (the INDEX accepts 400 as well as 501): a CSeq method that
 *   differs from the Request-Line is rejected before the method is looked at.
 * - `extra/test.dat` and `baddn.dat` (no closing empty line): `extra/test.dat` has an
 *   INVITE line without SIP-Version; both are answered 400 when a Via can be echoed, else
 *   dropped.
 * Strict choices: `badaspec`, `baddn-terminated`, `ltgtruri`, `lwsruri`, `lwsstart`,
 * `trws`, `escruri`, `regbadct` and `quotbal` get 400 (the INDEX calls each reasonable).
 * Not covered: the TCP variants (the simulator's SIP runs over UDP only) and the
 * "100 rounds, RSS within +5 MB" soak.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingCall } from '../../../src/sip/index.js';
import {
  Closer,
  RawPeer,
  captureLogger,
  sleep,
  statusOf,
  waitFor,
} from '../../support/sip-harness.js';
import { SDP, callTopology } from '../../support/sip-topology.js';

const CORPUS = '/work/shared/testdata/sip-torture';
const ROUTED = 486;

/**
 * Expected first final response per file: a list of acceptable codes, `'drop'` for no
 * response at all, or `ROUTED` for a valid INVITE that the delegate routes to the far UA,
 * which rejects it with 486 (so the B2BUA relays 486).
 */
const EXPECTED: Readonly<Record<string, readonly number[] | 'drop'>> = {
  // RFC 4475 3.1.1: valid.
  'wsinv.dat': [481], // INVITE with a To tag of no dialog (RFC 3261 12.2.2).
  'intmeth.dat': [501],
  'esc01.dat': [ROUTED],
  'escnull.dat': [405], // REGISTER: not a registrar.
  'esc02.dat': [501],
  'lwsdisp.dat': [200],
  'longreq.dat': [ROUTED],
  'dblreq.dat': [405],
  'semiuri.dat': [200],
  'transports.dat': [200],
  'mpart01.dat': [405], // MESSAGE.
  'unreason.dat': 'drop', // Stray responses.
  'noreason.dat': 'drop',
  // RFC 4475 3.1.2: invalid.
  'badinv01.dat': [400],
  'clerr.dat': [400],
  'ncl.dat': [400],
  'scalar02.dat': [400],
  'scalarlg.dat': 'drop',
  'quotbal.dat': [400],
  'ltgtruri.dat': [400],
  'lwsruri.dat': [400],
  'lwsstart.dat': [400],
  'trws.dat': [400],
  'escruri.dat': [400],
  'baddate.dat': [ROUTED],
  'regbadct.dat': [400],
  'badaspec.dat': [400],
  'baddn.dat': [400],
  'badvers.dat': [505],
  'mismatch01.dat': [400],
  'mismatch02.dat': [400, 501],
  'bigcode.dat': 'drop',
  // RFC 4475 3.2-3.4: transaction, application, backward compatibility.
  'badbranch.dat': [200],
  'insuf.dat': [400],
  'unkscm.dat': [416],
  'novelsc.dat': [416],
  'unksm2.dat': [405],
  'bext01.dat': [420],
  'invut.dat': [415],
  'regaut01.dat': [405],
  'multi01.dat': [400],
  'mcl01.dat': [400],
  'bcast.dat': 'drop',
  'zeromf.dat': [200], // OPTIONS to an endpoint.
  'cparam01.dat': [405],
  'cparam02.dat': [405],
  'regescrt.dat': [405],
  'sdp01.dat': [406],
  'inv2543.dat': [ROUTED],
  'extra/test.dat': 'drop',
  'variants/baddn-terminated.dat': [400],
  // RFC 5118.
  'rfc5118/ipv6-good.dat': [405],
  'rfc5118/ipv6-bad.dat': [400],
  'rfc5118/port-ambiguous.dat': [405],
  'rfc5118/port-unambiguous.dat': [405],
  'rfc5118/via-received-param-with-delim.dat': [481], // BYE for no dialog.
  'rfc5118/via-received-param-no-delim.dat': [200],
  'rfc5118/ipv6-in-sdp.dat': [ROUTED],
  'rfc5118/mult-ip-in-header.dat': [481],
  'rfc5118/mult-ip-in-sdp.dat': [ROUTED],
  'rfc5118/ipv4-mapped-ipv6.dat': [ROUTED],
  'rfc5118/ipv6-bug-abnf-3-colons.dat': [200],
  'rfc5118/ipv6-correct-abnf-2-colons.dat': [200],
};

let wireDir = join(CORPUS, 'rfc5118', 'wire');
let tempDir: string | undefined;

beforeAll(() => {
  if (!existsSync(wireDir)) {
    // Build the CRLF wire forms in a temporary copy; the shared corpus stays untouched.
    tempDir = mkdtempSync(join(tmpdir(), 'sip-torture-'));
    for (const f of readdirSync(join(CORPUS, 'rfc5118'))) {
      if (f.endsWith('.dat') || f === 'make_wire.py') {
        copyFileSync(join(CORPUS, 'rfc5118', f), join(tempDir, f));
      }
    }
    execFileSync('python3', [join(tempDir, 'make_wire.py')], { cwd: tempDir, timeout: 10_000 });
    wireDir = join(tempDir, 'wire');
  }
});

afterAll(() => {
  if (tempDir !== undefined) {
    rmSync(tempDir, { recursive: true, force: true });
  }
});

function corpusFile(name: string): Buffer {
  return name.startsWith('rfc5118/')
    ? readFileSync(join(wireDir, name.slice('rfc5118/'.length)))
    : readFileSync(join(CORPUS, name));
}

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

describe('SIP torture corpus against both B2BUA listeners', () => {
  it('lists every corpus file', () => {
    const files = [
      ...readdirSync(CORPUS).filter((f) => f.endsWith('.dat')),
      ...readdirSync(join(CORPUS, 'extra')).map((f) => `extra/${f}`),
      ...readdirSync(join(CORPUS, 'variants')).map((f) => `variants/${f}`),
      ...readdirSync(join(CORPUS, 'rfc5118'))
        .filter((f) => f.endsWith('.dat'))
        .map((f) => `rfc5118/${f}`),
    ];
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('answers each message as the INDEX says, routes only valid INVITEs, and calls still complete', async () => {
    const { logger, lines } = captureLogger('warn');
    const t = await callTopology(logger, closer, { base: 2 });
    // Real calls come from alice; the far UAs answer those and reject the corpus INVITEs.
    const isRealCall = (call: IncomingCall): boolean => call.from.uri.startsWith('sip:alice@127.');
    const farInvites: string[] = [];
    for (const ua of [t.gateway, t.client]) {
      ua.onInvite = (call) => {
        if (isRealCall(call)) {
          call.answer(SDP.gatewayAnswer);
        } else {
          farInvites.push(call.request.headers['call-id']);
          call.reject(486, 'Busy Here');
        }
      };
    }
    t.delegate.decide = (incoming) => ({
      target:
        incoming.side === 'client'
          ? `sip:+15550100@${t.gateway.stack.hostport}`
          : `sip:user@${t.client.stack.hostport}`,
      offerSdp: SDP.toGateway,
      from: incoming.call.from.uri,
    });

    // A call that stays up while the corpus is sent.
    let answered = false;
    const running = t.client.invite(
      `sip:+15550100@${t.b2bua.ua('client').stack.hostport}`,
      SDP.client,
      { answered: () => (answered = true) },
    );
    await waitFor(() => answered, 3000, 'the running call to be answered');

    const listeners = [t.b2bua.ua('client').stack, t.b2bua.ua('gateway').stack];
    const failures: string[] = [];
    const routedCallIds = new Set<string>();
    let routedSends = 0;
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const data = corpusFile(name);
      await Promise.all(
        listeners.map(async (listener) => {
          const peer = await RawPeer.bind('127.0.2.99');
          try {
            const sentAt = performance.now();
            await peer.send(data, listener.port, listener.address);
            const finals = (): number[] =>
              peer.received.map((d) => statusOf(d.text)).filter((s) => s >= 200 || s === -1);
            if (expected === 'drop') {
              await sleep(150);
              if (peer.received.length > 0) {
                failures.push(
                  `${name} -> ${listener.address}: expected no response, got ${peer.received.map((d) => d.text.split('\r\n')[0]).join(' | ')}`,
                );
              }
              return;
            }
            try {
              await waitFor(() => finals().length > 0, 1000, `a response to ${name}`);
            } catch {
              failures.push(`${name} -> ${listener.address}: no final response within 1 s`);
              return;
            }
            const first = peer.received.find((d) => statusOf(d.text) >= 200)!;
            const status = statusOf(first.text);
            if (first.at - sentAt > 1000 || !expected.includes(status)) {
              failures.push(
                `${name} -> ${listener.address}: got ${status}, expected ${expected.join('/')}`,
              );
            }
            if (expected.includes(ROUTED)) {
              routedSends++;
              routedCallIds.add(
                /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(data.toString('latin1'))?.[1] ?? '?',
              );
            }
          } finally {
            await peer.close();
          }
        }),
      );
    }
    expect(failures).toEqual([]);

    // Only the valid INVITEs reached the delegate, and each made exactly one far leg per
    // listener; nothing else produced an outgoing INVITE.
    const seenByDelegate = t.delegate.routed.map((i) => i.call.callId);
    const corpusRouted = seenByDelegate.filter((id) => id !== running.callId);
    expect(new Set(corpusRouted)).toEqual(routedCallIds);
    expect(corpusRouted).toHaveLength(routedSends);
    expect(farInvites).toHaveLength(routedSends);
    expect(routedSends).toBe(14);
    // Nothing was thrown past a handler.
    expect(lines.filter((l) => /threw|uncaught/i.test(String(l.msg)))).toEqual([]);

    // The call that was up all along still ends cleanly, and a new one completes.
    expect(await running.bye()).toBe(200);
    let answered2 = false;
    const after = t.client.invite(
      `sip:+15550100@${t.b2bua.ua('client').stack.hostport}`,
      SDP.client,
      {
        answered: () => (answered2 = true),
      },
    );
    await waitFor(() => answered2, 3000, 'a call after the corpus');
    expect(await after.bye()).toBe(200);
    await waitFor(
      () => t.ended.filter((r) => r.answered).length === 2,
      3000,
      'both real calls to end',
    );
    expect(t.ended.filter((r) => r.answered).map((r) => r.cause)).toEqual([
      'caller-bye',
      'caller-bye',
    ]);
  }, 30_000);
});
