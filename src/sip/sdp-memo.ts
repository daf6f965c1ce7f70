/**
 * `sdp-transform`'s writer, remembered per shape of description. A Mediation Server writes two
 * descriptions a call, each like the one before it but for its address, ports and session id.
 * For a shape (everything else: codecs, bypass ID, user name) the writer's text is kept as
 * pieces around the places of those values, and a later description of that shape is the
 * pieces joined with its own values. Every byte still comes from the writer: a shape is kept
 * only when its pieces, filled with a second set of values, give exactly the text the writer
 * writes for them; any other shape is written by the writer every time.
 *
 * It must not know calls, hosts or policy.
 */
import * as sdpTransform from 'sdp-transform';
import type { SessionDescription } from 'sdp-transform';

/** The values of a description that change from one call to the next. */
export interface SdpSlots {
  readonly address: string;
  readonly sessionId: number | string;
  readonly port: number;
  readonly rtcpPort: number;
  readonly videoPort: number;
}

/** The order of a template's slots. */
const SLOT_NAMES = ['address', 'sessionId', 'port', 'rtcpPort', 'videoPort'] as const;

/**
 * Values no description has: text with control characters for the text fields, and numbers
 * beyond any port for the ports (`sdp-transform` writes ports as numbers).
 */
const SENTINELS: SdpSlots = {
  address: '\u0001a\u0001',
  sessionId: '\u0001s\u0001',
  port: 3_999_999_101,
  rtcpPort: 3_999_999_202,
  videoPort: 3_999_999_303,
};

/** Values to check a template with (RFC 4566's example addresses and ports). */
const CHECK: SdpSlots = {
  address: '192.0.2.77',
  sessionId: 2890844526,
  port: 49170,
  rtcpPort: 49171,
  videoPort: 51372,
};

/** A written description as text pieces with a slot between each two. */
interface Template {
  readonly pieces: readonly string[];
  readonly slots: readonly (typeof SLOT_NAMES)[number][];
}

/** Shapes are few (one per codec list and bypass ID); the memo stops growing at this many. */
const MAX_SHAPES = 256;

const templates = new Map<string, Template | null>();

/** The template of a text written with the sentinels; `null` when a sentinel is not found. */
function templateOf(text: string): Template | null {
  const marks = SLOT_NAMES.map((n) => String(SENTINELS[n]));
  const pieces: string[] = [];
  const slots: (typeof SLOT_NAMES)[number][] = [];
  let at = 0;
  for (;;) {
    let next = -1;
    let which = -1;
    for (let i = 0; i < marks.length; i++) {
      const found = text.indexOf(marks[i]!, at);
      if (found >= 0 && (next < 0 || found < next)) {
        next = found;
        which = i;
      }
    }
    if (next < 0) {
      pieces.push(text.slice(at));
      return slots.length > 0 ? { pieces, slots } : null;
    }
    pieces.push(text.slice(at, next));
    slots.push(SLOT_NAMES[which]!);
    at = next + marks[which]!.length;
  }
}

function render(t: Template, values: SdpSlots): string {
  let out = t.pieces[0]!;
  for (let i = 0; i < t.slots.length; i++) {
    out += String(values[t.slots[i]!]) + t.pieces[i + 1]!;
  }
  return out;
}

/**
 * The text `sdp-transform` writes for `make(values)`, from the memo of `shape` when it has
 * one. `make` must give sessions of one shape for one key: the same lines whatever the values.
 */
export function writeMemo(
  shape: string,
  values: SdpSlots,
  make: (values: SdpSlots) => SessionDescription,
): string {
  let t = templates.get(shape);
  if (t === undefined) {
    if (templates.size >= MAX_SHAPES) {
      return sdpTransform.write(make(values));
    }
    const made = templateOf(sdpTransform.write(make(SENTINELS)));
    t = made !== null && render(made, CHECK) === sdpTransform.write(make(CHECK)) ? made : null;
    templates.set(shape, t);
  }
  return t === null ? sdpTransform.write(make(values)) : render(t, values);
}
