/**
 * The lab's `MediaFactory` over real UDP media endpoints: one socket per host per call that
 * sends G.711 every 20 ms and reports what it received per source host.
 *
 * It must not know SIP, policy or the hosts' roles: it opens sockets where it is told and
 * reports what they saw.
 */
import type { Logger } from '../core/index.js';
import { MediaEndpoint } from '../media/index.js';
import type { HostDrop, ReceivedStream } from '../report/index.js';
import type {
  MediaFactory,
  MediaSession,
  MediaSessionOptions,
  MediaSnapshot,
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
      const ep = await MediaEndpoint.create(
        {
          bindAddress,
          payloadType: options.payloadType === 8 ? 8 : 0,
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
        setRemote: (address, port) => {
          ep.setRemote({ address, port });
        },
        start: () => {
          ep.start();
        },
        stop: () => {
          ep.stop();
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
          ep.once('inactive', listener);
        },
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
    received.push({
      receiver: host,
      source,
      sourceAddress: `${s.address}:${s.port}`,
      packets: s.packets,
      bytes: s.bytes,
      lost: s.lost,
      jitterMs: s.jitterMs,
      latencyP50Ms: s.latencyMs?.p50 ?? null,
      latencyP99Ms: s.latencyMs?.p99 ?? null,
    });
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
