/**
 * A three-host SIP set-up for tests: a client UA, a B2BUA with a client-facing and a
 * gateway-facing listener, and a gateway UA, each on its own loopback address, with a
 * message log per host.
 */
import type { Logger } from '../../src/core/index.js';
import {
  B2bua,
  UserAgent,
  buildOffer,
  isRequest,
  type B2buaCallRecord,
  type B2buaDelegate,
  type B2buaIncoming,
  type B2buaReject,
  type B2buaRoute,
  type IncomingCall,
  type OutgoingCall,
  type SipMessage,
  type SipTimers,
} from '../../src/sip/index.js';
import { captureLogger, waitFor, type Closer } from './sip-harness.js';

/** One logged message: direction and a short label (`INVITE`, `200 INVITE`). */
export interface LoggedMessage {
  readonly dir: 'in' | 'out';
  readonly label: string;
  readonly message: SipMessage | undefined;
  readonly raw: string;
}

/** Labels a message as `METHOD` or `STATUS METHOD`. */
export function labelOf(message: SipMessage | undefined): string {
  if (!message) {
    return 'malformed';
  }
  return isRequest(message) ? message.method : `${message.status} ${message.headers.cseq.method}`;
}

/** A log of every message a host sent or received. */
export function messageLog(): {
  entries: LoggedMessage[];
  observer: (dir: 'in' | 'out', m: SipMessage | undefined, _r: unknown, raw: string) => void;
} {
  const entries: LoggedMessage[] = [];
  return {
    entries,
    observer: (dir, message, _remote, raw) =>
      entries.push({ dir, label: labelOf(message), message, raw }),
  };
}

/** The media addresses the tests put into SDP (RFC 5737 documentation addresses). */
export const SDP = {
  client: buildOffer({ address: '192.0.2.10', port: 40000, bypassId: 'site-a', sessionId: 1 }),
  toGateway: buildOffer({ address: '198.51.100.20', port: 41000, sessionId: 2 }),
  gatewayAnswer: buildOffer({
    address: '203.0.113.30',
    port: 42000,
    sessionId: 3,
    codecs: ['PCMU'],
  }),
  toClient: buildOffer({ address: '198.51.100.21', port: 43000, sessionId: 4, codecs: ['PCMU'] }),
};

/** A delegate for tests: routes every call to `target()`, records what it saw. */
export class TestDelegate implements B2buaDelegate {
  readonly routed: B2buaIncoming[] = [];
  readonly answers: string[] = [];
  decide: (incoming: B2buaIncoming) => B2buaRoute | B2buaReject;

  constructor(decide: (incoming: B2buaIncoming) => B2buaRoute | B2buaReject) {
    this.decide = decide;
  }

  route(incoming: B2buaIncoming): Promise<B2buaRoute | B2buaReject> {
    this.routed.push(incoming);
    return Promise.resolve(this.decide(incoming));
  }

  answer(answerSdp: string): string {
    this.answers.push(answerSdp);
    return SDP.toClient;
  }
}

/** The three hosts and their logs. */
export interface CallTopology {
  readonly client: UserAgent;
  readonly b2bua: B2bua;
  readonly gateway: UserAgent;
  readonly delegate: TestDelegate;
  readonly logs: { client: LoggedMessage[]; b2bua: LoggedMessage[]; gateway: LoggedMessage[] };
  readonly ended: B2buaCallRecord[];
}

/** Binds client (127.0.0.10), B2BUA (127.0.0.20 / 127.0.0.21) and gateway (127.0.0.30). */
export async function callTopology(
  logger: Logger,
  closer: Closer,
  options: { timers?: Partial<SipTimers>; base?: number } = {},
): Promise<CallTopology> {
  const base = options.base ?? 0;
  const timers = options.timers === undefined ? {} : { timers: options.timers };
  const logs = { client: messageLog(), b2bua: messageLog(), gateway: messageLog() };
  const client = closer.add(
    await UserAgent.create({
      address: `127.0.${base}.10`,
      logger,
      user: 'alice',
      observer: logs.client.observer,
      ...timers,
    }),
  );
  const gateway = closer.add(
    await UserAgent.create({
      address: `127.0.${base}.30`,
      logger,
      user: 'gw',
      observer: logs.gateway.observer,
      ...timers,
    }),
  );
  const delegate = new TestDelegate(() => ({
    target: `sip:+15550100@${gateway.stack.hostport}`,
    offerSdp: SDP.toGateway,
  }));
  const ended: B2buaCallRecord[] = [];
  const b2bua = closer.add(
    await B2bua.create({
      client: { address: `127.0.${base}.20` },
      gateway: { address: `127.0.${base}.21` },
      delegate: {
        route: (i) => delegate.route(i),
        answer: (sdp) => delegate.answer(sdp),
        ended: (r) => ended.push(r),
      },
      logger,
      observer: logs.b2bua.observer,
      ...timers,
    }),
  );
  return {
    client,
    b2bua,
    gateway,
    delegate,
    logs: { client: logs.client.entries, b2bua: logs.b2bua.entries, gateway: logs.gateway.entries },
    ended,
  };
}

/** The labels of a log in one direction, or both with `>`/`<` prefixes. */
export function ladder(entries: readonly LoggedMessage[]): string[] {
  return entries.map((e) => `${e.dir === 'out' ? '>' : '<'} ${e.label}`);
}

/** A confirmed call between two user agents, and each end's message log. */
export interface ConfirmedCall {
  caller: UserAgent;
  callee: UserAgent;
  out: OutgoingCall;
  inc: IncomingCall;
  callerLog: ReturnType<typeof messageLog>;
  calleeLog: ReturnType<typeof messageLog>;
}

/**
 * A call from a user agent at `a` to one at `b`, answered and ACKed; `offer` is the caller's
 * SDP. Both agents are closed by `closer`.
 */
export async function confirmedCall(
  closer: Closer,
  a: string,
  b: string,
  o: { readonly timers: SipTimers; readonly offer: string },
): Promise<ConfirmedCall> {
  const { logger } = captureLogger('warn');
  const callerLog = messageLog();
  const calleeLog = messageLog();
  const { timers } = o;
  const caller = closer.add(
    await UserAgent.create({ address: a, logger, timers, observer: callerLog.observer }),
  );
  const callee = closer.add(
    await UserAgent.create({ address: b, logger, timers, observer: calleeLog.observer }),
  );
  let inc: IncomingCall | undefined;
  let acked = false;
  callee.onInvite = (c) => {
    inc = c;
    c.on('acked', () => (acked = true));
    c.answer(SDP.gatewayAnswer);
  };
  const out = caller.invite(`sip:b@${callee.stack.hostport}`, o.offer);
  await waitFor(() => acked, 3000, 'the call to be confirmed');
  return { caller, callee, out, inc: inc!, callerLog, calleeLog };
}
