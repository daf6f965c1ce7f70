/**
 * The relay's counters as shared numeric tables: `Float64Array`s of engine-wide counters (one
 * for the JavaScript stages, one for the addon's forwarding thread) and one row per leg in
 * another, which the stages and the forwarding thread (`native/udp-batch/fast_path.h`, same
 * layouts) update in place, each for the legs it handles, so that the figures of a session do
 * not depend on which path carried its packets. Also what the control API makes of them: the
 * relay-wide {@link RelayCounters}.
 *
 * Engine counters:
 *
 * ```
 * +----------+-----------+----------------+------------------------------------------+
 * | received | forwarded | forwardedBytes | one counter per verdict (VERDICT_COUNT)  |
 * +----------+-----------+----------------+------------------------------------------+
 * ```
 *
 * A leg's row (index: the leg's statistics slot):
 *
 * ```
 * +-----+------+-------+-----------+-----------------------------------------------------+
 * | rtp | rtcp | bytes | forwarded | drops by verdict code (VERDICT_COUNT), native only  |
 * +-----+------+-------+-----------+-----------------------------------------------------+
 * ```
 *
 * The stages count their drops per session (`Session.drops`); the forwarding thread, which
 * cannot reach those, counts its own in the leg's row, and a leg's figures add both.
 *
 * It must not know sessions, sockets or the packet stages.
 */
import { VERDICT_COUNT, VERDICT_NAMES, type DropReasonName } from './classifier.js';
import type { RelayCounters, RelayIoCounters } from './relay-types.js';

/** Datagrams received, every verdict included. */
export const ENGINE_RECEIVED = 0;
/** Datagrams forwarded. */
export const ENGINE_FORWARDED = 1;
/** Bytes forwarded. */
export const ENGINE_FORWARDED_BYTES = 2;
/** First of the per-verdict counters, indexed by verdict code. */
export const ENGINE_VERDICTS = 3;
/** Length of the engine counters. */
export const ENGINE_COUNTERS = ENGINE_VERDICTS + VERDICT_COUNT;

/** Valid RTP packets received on the leg from its peer. */
export const LEG_RTP = 0;
/** Valid RTCP packets received on the leg from its peer. */
export const LEG_RTCP = 1;
/** Bytes of those packets. */
export const LEG_BYTES = 2;
/** Packets received on the leg and sent out of the other leg. */
export const LEG_FORWARDED = 3;
/** First of the forwarding thread's drop counters, indexed by verdict code. */
export const LEG_DROPS = 4;
/** Numbers per leg row. */
export const LEG_STRIDE = LEG_DROPS + VERDICT_COUNT;

/**
 * The relay-wide counters of one engine (allocates; not for the packet path).
 *
 * @param sessions - Open sessions.
 * @param engine - The stages' engine counters.
 * @param native - The forwarding thread's engine counters (same layout).
 * @param io - The batched I/O path's own counters, when it is in use.
 */
export function relayCounters(
  sessions: number,
  engine: Float64Array,
  native: Float64Array,
  io: RelayIoCounters | undefined,
): RelayCounters {
  const at = (i: number): number => engine[i]! + native[i]!;
  const dropped = {} as Record<DropReasonName, number>;
  let droppedTotal = 0;
  for (let code = 2; code < VERDICT_COUNT; code++) {
    const n = at(ENGINE_VERDICTS + code);
    dropped[VERDICT_NAMES[code] as DropReasonName] = n;
    droppedTotal += n;
  }
  return {
    sessions,
    received: at(ENGINE_RECEIVED),
    forwarded: at(ENGINE_FORWARDED),
    forwardedBytes: at(ENGINE_FORWARDED_BYTES),
    rtp: at(ENGINE_VERDICTS),
    rtcp: at(ENGINE_VERDICTS + 1),
    dropped,
    droppedTotal,
    ...(io === undefined ? {} : { io }),
  };
}
