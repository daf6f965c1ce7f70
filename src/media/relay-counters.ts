/**
 * The relay's counters as shared numeric tables: one `Float64Array` of engine-wide counters
 * and one row per leg in another, which the JavaScript stages and the addon's native
 * forwarding (`native/udp-batch/fast_path.h`, same layouts) both update in place, so that
 * the figures of a session do not depend on which path carried its packets. Also what the
 * control API makes of them: the relay-wide {@link RelayCounters}.
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
 * +-----+------+-------+-----------+-------------------------------------+
 * | rtp | rtcp | bytes | forwarded | sendFailed (native forwarding only) |
 * +-----+------+-------+-----------+-------------------------------------+
 * ```
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
/** Native forwards the kernel refused (the JavaScript stages count theirs by session). */
export const LEG_SEND_FAILED = 4;
/** Numbers per leg row. */
export const LEG_STRIDE = 5;

/**
 * The relay-wide counters of one engine (allocates; not for the packet path).
 *
 * @param sessions - Open sessions.
 * @param engine - The engine counters.
 * @param io - The batched I/O path's own counters, when it is in use.
 */
export function relayCounters(
  sessions: number,
  engine: Float64Array,
  io: RelayIoCounters | undefined,
): RelayCounters {
  const dropped = {} as Record<DropReasonName, number>;
  let droppedTotal = 0;
  for (let code = 2; code < VERDICT_COUNT; code++) {
    const n = engine[ENGINE_VERDICTS + code]!;
    dropped[VERDICT_NAMES[code] as DropReasonName] = n;
    droppedTotal += n;
  }
  return {
    sessions,
    received: engine[ENGINE_RECEIVED]!,
    forwarded: engine[ENGINE_FORWARDED]!,
    forwardedBytes: engine[ENGINE_FORWARDED_BYTES]!,
    rtp: engine[ENGINE_VERDICTS]!,
    rtcp: engine[ENGINE_VERDICTS + 1]!,
    dropped,
    droppedTotal,
    ...(io === undefined ? {} : { io }),
  };
}
