/**
 * Parsing SDP with `sdp-transform`, once per text: a call's offer and answer are read several
 * times (checked, their codecs and addresses taken, answered), each time from the same text,
 * so the last few parsed descriptions are kept for reading. A caller that changes a
 * description parses it afresh.
 *
 * It must not know what a description means: `sdp-check.ts` checks one, `sdp.ts` builds and
 * reads them.
 */
import * as sdpTransform from 'sdp-transform';
import type { SessionDescription } from 'sdp-transform';

/** A description parsed afresh, for a caller that changes it; undefined when it has no media list. */
export function parseSdpFresh(sdp: string): SessionDescription | undefined {
  try {
    const parsed = sdpTransform.parse(sdp);
    return Array.isArray(parsed.media) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The last descriptions parsed for reading only, by text. */
const READ_ONLY = new Map<string, SessionDescription | undefined>();
const READ_ONLY_SIZE = 16;

/** A description parsed for reading only: shared, so it must not be changed. */
export function parseSdp(sdp: string): SessionDescription | undefined {
  if (READ_ONLY.has(sdp)) {
    return READ_ONLY.get(sdp);
  }
  const parsed = parseSdpFresh(sdp);
  if (READ_ONLY.size >= READ_ONLY_SIZE) {
    // A Map keeps insertion order: the first key is the oldest.
    READ_ONLY.delete(READ_ONLY.keys().next().value!);
  }
  READ_ONLY.set(sdp, parsed);
  return parsed;
}
