/**
 * The lab's `MediaFactory` over real UDP media endpoints: one socket per host per call and
 * stream that sends its codec's packets (G.711 every 20 ms unless told otherwise) and reports
 * what it received per source host: packets, payload type, size and bit rate; and a
 * transcoding session of two legs with a codec each, for a Mediation Server between codecs.
 *
 * It must not know SIP, policy or the hosts' roles: it opens sockets where it is told and
 * reports what they saw.
 */
import { InternalError, type Logger } from '../core/index.js';
import { MediaEndpoint, Transcoder, type SourceReport } from '../media/index.js';
import type { HostDrop, ReceivedStream } from '../report/index.js';
import type {
  MediaFactory,
  MediaSession,
  MediaSessionOptions,
  MediaSnapshot,
  TranscodeOptions,
} from './media-session.js';

/**
 * Media sessions over real UDP endpoints (one socket per host per call). `hostOf` turns a
 * source address into the host bound there, so that the report can follow media hop by hop.
 */
export function endpointMedia(
  logger: Logger,
  hostOf: (address: string) => string | null,
): MediaFactory {
  const open = new Set<MediaEndpoint>();
  return {
    async open(
      host: string,
      bindAddress: string,
      options: MediaSessionOptions,
    ): Promise<MediaSession> {
      if (options.transcode) {
        return transcodingSession(host, bindAddress, options, options.transcode, logger, hostOf);
      }
      const ep = await MediaEndpoint.create(
        {
          bindAddress,
          payloadType: options.payloadType === 8 ? 8 : 0,
          ...(options.format ? { format: options.format } : {}),
          ...(options.rtcp === false ? { rtcp: false } : {}),
          ...(options.egress ? { egress: options.egress } : {}),
          ...(options.tap ? { tap: options.tap } : {}),
          ...(options.silenceTimeoutMs ? { inactivityTimeoutMs: options.silenceTimeoutMs } : {}),
          cname: host,
        },
        logger.child({ host }),
      );
      open.add(ep);
      const local = ep.local;
      return {
        host,
        address: local.address,
        port: local.port,
        modality: options.modality ?? 'audio',
        setFormat: (format) => {
          ep.setFormat(format);
        },
        setRemote: (address, port) => {
          ep.setRemote({ address, port });
        },
        start: () => {
          ep.start();
        },
        stop: () => {
          ep.stop();
        },
        mark: () => {
          ep.mark();
        },
        snapshot: (): MediaSnapshot => snapshotOf(host, ep, options, hostOf),
        close: () => {
          ep.close();
          open.delete(ep);
          return Promise.resolve();
        },
        kill: () => {
          ep.close({ silent: true });
          open.delete(ep);
        },
        onSilence: (listener) => {
          ep.removeAllListeners('inactive');
          ep.once('inactive', (idleMs) => {
            listener(idleMs, 'A', 'rtp');
          });
        },
        watchRtcp: (timeoutMs, listener) => {
          ep.removeAllListeners('rtcp-inactive');
          ep.once('rtcp-inactive', listener);
          ep.watchRtcp(timeoutMs);
        },
        far: null,
      };
    },
    close: () => {
      for (const ep of open) {
        ep.close();
      }
      open.clear();
      return Promise.resolve();
    },
  };
}

function snapshotOf(
  host: string,
  ep: MediaEndpoint,
  options: MediaSessionOptions,
  hostOf: (a: string) => string | null,
): MediaSnapshot {
  const report = ep.report();
  const received: ReceivedStream[] = [];
  const drops: HostDrop[] = [];
  for (const s of report.sources) {
    const source = hostOf(s.address);
    // A host that accepts media only from some sources (an SBC that takes media only from the
    // Mediation Server) discards the rest: they reached its socket but not its media path.
    if (options.acceptFrom && !options.acceptFrom(s.address)) {
      drops.push({
        host,
        source,
        packets: s.packets,
        reason: options.dropReason ?? 'source not accepted',
      });
      continue;
    }
    received.push(receivedOf(host, source, s, options.modality ?? 'audio'));
  }
  const malformed = Object.entries(report.dropped).reduce((n, [, v]) => n + (v ?? 0), 0);
  if (malformed > 0) {
    drops.push({
      host,
      source: null,
      packets: malformed,
      reason: `malformed or foreign: ${Object.keys(report.dropped).join(', ')}`,
    });
  }
  return { received, drops, sent: report.sent.packets };
}

/** What a host received from one source, as the report has it. */
function receivedOf(
  host: string,
  source: string | null,
  s: SourceReport,
  modality: 'audio' | 'video',
): ReceivedStream {
  return {
    receiver: host,
    source,
    sourceAddress: `${s.address}:${s.port}`,
    packets: s.packets,
    bytes: s.bytes,
    lost: s.lost,
    jitterMs: s.jitterMs,
    latencyP50Ms: s.latencyMs?.p50 ?? null,
    latencyP99Ms: s.latencyMs?.p99 ?? null,
    modality,
    packetsBeforeMark: s.packetsAtMark,
    payloadType: s.payloadType,
    payloadBytes: s.packets > 0 ? Math.round(s.payloadBytes / s.packets) : null,
    kbps:
      s.firstMs !== null && s.lastMs !== null && s.lastMs > s.firstMs
        ? Math.round(((s.bytes * 8) / (s.lastMs - s.firstMs)) * 10) / 10
        : null,
  };
}

/**
 * A transcoding session (`transcoder.ts`): leg A at the host's address with the session's
 * format, leg B at `t.bindAddress` with its own. Each leg starts once its peer is known; the
 * report has what each leg received from its peer, and the packets that came from anyone else
 * as dropped.
 */
async function transcodingSession(
  host: string,
  bindAddress: string,
  options: MediaSessionOptions,
  t: TranscodeOptions,
  logger: Logger,
  hostOf: (address: string) => string | null,
): Promise<MediaSession> {
  if (!options.format) {
    throw new InternalError('a transcoding session needs the format of its leg A');
  }
  const tc = await Transcoder.create(
    {
      legA: { bindAddress, format: options.format },
      legB: { bindAddress: t.bindAddress, format: t.format },
      timeouts: { rtpMs: options.silenceTimeoutMs ?? 0, rtcpMs: t.rtcpTimeoutMs },
      ...(options.egress ? { egress: options.egress } : {}),
      ...(options.tap ? { tap: options.tap } : {}),
      cname: host,
    },
    logger.child({ host }),
  );
  const snapshot = (): MediaSnapshot => {
    const stats = tc.stats();
    const received: ReceivedStream[] = [];
    const drops: HostDrop[] = [];
    for (const leg of [stats.legA, stats.legB]) {
      if (leg.received) {
        received.push(receivedOf(host, hostOf(leg.received.address), leg.received, 'audio'));
      }
      if (leg.strangers > 0) {
        drops.push({ host, source: null, packets: leg.strangers, reason: "not the leg's peer" });
      }
    }
    return { received, drops, sent: stats.legA.sent.packets + stats.legB.sent.packets };
  };
  return {
    host,
    address: tc.legA.address,
    port: tc.legA.port,
    modality: 'audio',
    setFormat: () => {
      throw new InternalError('a transcoding session keeps the formats it was opened with');
    },
    setRemote: (address, port) => {
      tc.setPeer('A', { address, port });
    },
    far: {
      address: tc.legB.address,
      port: tc.legB.port,
      setRemote: (address, port) => {
        tc.setPeer('B', { address, port });
      },
    },
    // Each leg starts when its peer is known and stops when the session closes.
    start: () => undefined,
    stop: () => undefined,
    mark: () => undefined,
    snapshot,
    close: () => {
      tc.close();
      return Promise.resolve();
    },
    kill: () => {
      tc.close();
    },
    // Its legs watch RTCP from the start, as the session was opened.
    watchRtcp: () => undefined,
    onSilence: (listener) => {
      tc.removeAllListeners('media-timeout');
      tc.on('media-timeout', (m) => {
        listener(m.idleMs, m.leg, m.kind);
      });
    },
  };
}
