/**
 * A live loopback lab whose outside peers are played by the project's own user agents, bound
 * at the peers' loopback addresses: a test places calls from them into the Mediation Server
 * (by number or user name, as a real peer would), answers or refuses the calls the Mediation
 * Server sends them, and counts what the lab holds (relay sessions, file descriptors).
 */
import { readdirSync } from 'node:fs';
import { pino } from 'pino';
import {
  assignLoopback,
  endpointMedia,
  LoopbackLab,
  type Addressing,
  type LabOptions,
  type LongRunningOptions,
} from '../../src/lab/index.js';
import { loadScenarioFile, type Scenario } from '../../src/scenario/index.js';
import {
  offerFor,
  UserAgent,
  type OutgoingCall,
  type SipRemote,
  type SipResponse,
} from '../../src/sip/index.js';

/** A lab with outside peers, and how to close it all. */
export interface OutsideLab {
  readonly lab: LoopbackLab;
  readonly scenario: Scenario;
  readonly addressing: Addressing;
  /** The user agent playing each outside peer. */
  readonly peers: ReadonlyMap<string, UserAgent>;
  close(): Promise<void>;
}

/** Opens a scenario file on loopback with `external` hosts played by user agents. */
export async function openOutsideLab(
  file: string,
  external: readonly string[],
  options: Partial<LabOptions> & { readonly timeline?: boolean } = {},
): Promise<OutsideLab> {
  const loaded = await loadScenarioFile(file);
  if (!loaded.ok) {
    throw new Error(`${file} must load`);
  }
  return openOutsideLabFor(loaded.scenario, external, options);
}

/** Opens a loaded scenario on loopback with `external` hosts played by user agents. */
export async function openOutsideLabFor(
  scenario: Scenario,
  external: readonly string[],
  options: Partial<LabOptions> & {
    readonly timeline?: boolean;
    readonly long?: LongRunningOptions;
  } = {},
): Promise<OutsideLab> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const addressing = assignLoopback(scenario);
  const peers = new Map<string, UserAgent>();
  for (const host of external) {
    peers.set(
      host,
      await UserAgent.create({ address: addressing.addressOf(host), logger, user: host }),
    );
  }
  const externalHosts = new Map(
    [...peers].map(([host, ua]) => [host, { address: ua.stack.address, port: ua.stack.port }]),
  );
  const { long, timeline: _timeline, ...labOptions } = options;
  const lab = await LoopbackLab.open(
    scenario,
    {
      logger,
      media: endpointMedia(logger, (a) => addressing.hostOf(a)),
      externalHosts,
      ...labOptions,
    },
    long ?? {},
  );
  lab.start({ timeline: options.timeline ?? false });
  return {
    lab,
    scenario,
    addressing,
    peers,
    close: async () => {
      await lab.close();
      await Promise.all([...peers.values()].map((p) => p.close()));
    },
  };
}

/** How a call placed by a test peer ended up. */
export interface PeerCallOutcome {
  readonly status: number;
  readonly reason: string;
  readonly call: OutgoingCall;
  /** The 2xx, when answered. */
  readonly response: SipResponse | undefined;
  readonly answerSdp: string | undefined;
}

/** Places a call from a peer's user agent and resolves with its final response. */
export function placeFrom(
  ua: UserAgent,
  uri: string,
  sdp: string,
  target?: SipRemote,
): Promise<PeerCallOutcome> {
  return new Promise((resolve) => {
    const call: OutgoingCall = ua.invite(
      uri,
      sdp,
      {
        answered: (answerSdp, response) => {
          resolve({ status: 200, reason: 'OK', call, response, answerSdp });
        },
        failed: (status, reason) => {
          resolve({ status, reason, call, response: undefined, answerSdp: undefined });
        },
      },
      {},
      target,
    );
  });
}

/** A plain G.711 offer from a peer, at an address and port of the test's choosing. */
export function peerOffer(address: string, port = 40000): string {
  return offerFor({ address, port }, ['PCMU', 'PCMA']);
}

/** File descriptors this process holds now (Linux). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Polls `predicate` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function eventually(
  predicate: () => Promise<boolean> | boolean,
  ms = 3000,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) {
      return true;
    }
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
