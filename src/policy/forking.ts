/**
 * A call to a user signed in on several endpoints (docs/rules.md b.5 #37, #38): the call forks
 * to every endpoint, each endpoint makes its own decision (its own bypass choice, b.1 #12 at
 * the client on an inbound call), one answers and the others are cancelled. On an inbound
 * PSTN call each ringing endpoint's provisional answer reaches the gateway peer as an early
 * dialog, at most the trunk's MaxEarlyDialogs; a peer given more early dialogs than it handles
 * clips the first words of the answering endpoint's greeting when that endpoint's media comes
 * from elsewhere than the first early dialog's. It must not know how one endpoint's call is
 * decided: it is given the answering endpoint's decision and a way to decide the others.
 */
import type { Call, Gateway, User } from '../scenario/index.js';
import type { Topology } from '../topology/index.js';
import type { CallDecision, Forking, RingingEndpoint } from './call-decision.js';
import { trunkConfigFor } from './bypass.js';
import { Trace, type TraceStep } from './trace.js';

/** Decides the call as if it went to one endpoint only (a probe: it holds nothing). */
export type EndpointProbe = (call: Call) => CallDecision;

/**
 * The answering endpoint's decision, with the fork to every endpoint of the user: the other
 * endpoints' own decisions (their traces in the result, marked with the endpoint), the early
 * dialogs and the clipping of b.5 #38.
 */
export function withForking(
  topo: Topology,
  call: Call,
  user: User,
  answered: CallDecision,
  probe: EndpointProbe,
  traceOn: boolean,
): CallDecision {
  const trace = new Trace(traceOn);
  const steps: TraceStep[] = [];
  const endpoints: RingingEndpoint[] = [];
  // Early dialogs to the gateway peer through a Mediation Server: Skype for Business only.
  const inbound = call.kind === 'inbound-pstn' && answered.deployment === 'sfb-server';
  const gw = inbound ? topo.gateway(call.from) : undefined;
  const ms = gw ? topo.mediationServer(gw.mediationServer) : undefined;
  const maxEarly = gw && ms ? trunkConfigFor(topo, gw, ms).maxEarlyDialogs : null;
  let early = 0;
  for (const name of user.endpoints) {
    const answers = name === call.to;
    const d = answers ? answered : probe({ ...call, id: `${call.id}/${name}`, to: name });
    if (!answers) {
      for (const s of d.trace) {
        if (s.verdict === 'fail' || PROBE_STEPS.has(s.rule)) {
          steps.push({ ...s, title: `[ring ${name}] ${s.title}` });
        }
      }
    }
    const rings = d.decision !== 'REJECTED';
    const earlyDialog = inbound && rings && (maxEarly === null || early < maxEarly);
    if (earlyDialog) {
      early++;
    }
    endpoints.push({
      endpoint: name,
      decision: d.decision,
      bypass: d.bypass,
      mediaPath: d.mediaPath,
      mediaFrom: rings ? mediaSource(d, name) : null,
      answers,
      earlyDialog,
      cancelled: !answers && rings,
      reason: rings ? d.reason : `does not ring: ${d.reason}`,
    });
  }
  const ringing = endpoints.filter((e) => e.decision !== 'REJECTED');
  const fork = new Trace(traceOn);
  fork.add(
    'b.5#37',
    'The call forks to every endpoint of the user',
    'info',
    `${user.name} is signed in on ${user.endpoints.length} endpoint${user.endpoints.length === 1 ? '' : 's'}: ${endpoints
      .map((e) => `${e.endpoint} ${e.decision}${e.answers ? ' (answers)' : ''}`)
      .join(
        ', ',
      )}; ${call.to} answers${call.answerAfterMs ? ` after ${call.answerAfterMs / 1000}s` : ''} and the ${ringing.length > 1 ? 'others are' : 'call is'} ${ringing.length > 1 ? 'cancelled' : 'kept'}`,
    { user: user.name, endpoints: user.endpoints.length, answeredBy: call.to },
  );
  if (inbound && gw) {
    trace.add(
      'b.5#37',
      'Early dialogs to the gateway peer',
      maxEarly !== null && ringing.length > maxEarly ? 'info' : 'pass',
      `${ringing.length} endpoint${ringing.length === 1 ? '' : 's'} ring: ${early} early dialog${early === 1 ? '' : 's'} forwarded to ${gw.name} (MaxEarlyDialogs ${maxEarly ?? '?'})`,
      { ringing: ringing.length, earlyDialogs: early, maxEarlyDialogs: maxEarly },
    );
  }
  const clip = inbound && gw ? clipping(topo, trace, gw, endpoints, early) : NO_CLIP;
  const forking: Forking = {
    user: user.name,
    endpoints,
    answeredBy: call.to,
    answerAfterMs: call.answerAfterMs,
    earlyDialogs: early,
    maxEarlyDialogs: maxEarly,
    peerMishandles: clip.mishandles,
    greetingClipped: clip.clipped,
  };
  return {
    ...answered,
    to: call.to,
    forking,
    warnings: clip.warning ? [...answered.warnings, clip.warning] : answered.warnings,
    trace: [...fork.steps, ...answered.trace, ...steps, ...trace.steps],
  };
}

/**
 * The steps of another endpoint's decision the trace keeps (besides every failed one): its
 * bypass ID and the comparison (b.1 #10, #12), and how it would be carried.
 */
const PROBE_STEPS: ReadonlySet<string> = new Set([
  'b.1#10',
  'b.1#12',
  'b.1#17',
  'b.2#23',
  'c.5#18',
  'c.5#19',
  'c.5#20',
]);

const NO_CLIP = { mishandles: false, clipped: false, warning: null } as const;

/**
 * b.5 #38: a peer given more early dialogs than it handles keeps the media of the first one;
 * the answering endpoint's greeting is clipped when its media comes from elsewhere (worse
 * when the Mediation Server is at a remote site).
 */
function clipping(
  topo: Topology,
  trace: Trace,
  gw: Gateway,
  endpoints: readonly RingingEndpoint[],
  early: number,
): { mishandles: boolean; clipped: boolean; warning: string | null } {
  const mishandles = early > gw.supportsEarlyDialogs;
  const first = endpoints.find((e) => e.earlyDialog);
  const answering = endpoints.find((e) => e.answers);
  const clipped =
    mishandles &&
    first !== undefined &&
    answering !== undefined &&
    first.mediaFrom !== answering.mediaFrom;
  if (!mishandles) {
    trace.add(
      'b.5#38',
      'Peer handles the early dialogs',
      'pass',
      `${gw.name} handles ${gw.supportsEarlyDialogs} early dialogs, ${early} forwarded`,
      { supportsEarlyDialogs: gw.supportsEarlyDialogs, earlyDialogs: early },
    );
    return { mishandles, clipped, warning: null };
  }
  const ms = topo.mediationServer(gw.mediationServer);
  const remote = ms !== undefined && topo.siteOfHost(ms)?.name !== topo.siteOfHost(gw)?.name;
  const warning = clipped
    ? `${gw.name} mishandles ${early} early dialogs: it plays the media of ${first?.endpoint ?? '?'}'s early dialog, so the first words of ${answering?.endpoint ?? '?'}'s greeting are clipped${remote ? ' (worse: the Mediation Server is at a remote site)' : ''}`
    : `${gw.name} mishandles ${early} early dialogs, but the answering endpoint's media comes from where the first early dialog's did: no clipping`;
  trace.add(
    'b.5#38',
    'Peer handles the early dialogs',
    clipped ? 'fail' : 'info',
    `WARNING ${warning}`,
    { supportsEarlyDialogs: gw.supportsEarlyDialogs, earlyDialogs: early, clipped },
  );
  return { mishandles, clipped, warning: clipped ? warning : null };
}

/**
 * Where the caller's side gets an endpoint's media from: the hop after the caller on the
 * endpoint's path (the endpoint itself when bypassed, the Mediation Server when relayed).
 */
function mediaSource(d: CallDecision, endpoint: string): string {
  return d.mediaPath[1] ?? endpoint;
}
