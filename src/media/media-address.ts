/**
 * Which IPv4 addresses media may ever be sent to: a unicast literal, never the unspecified
 * address (0.0.0.0/8), multicast (224.0.0.0/4), reserved space (240.0.0.0/4) or the limited
 * broadcast address. The relay and the endpoints refuse any other peer, whatever signalling
 * told them, so that no description can aim a stream at a group or at every host.
 *
 * It must not know SDP, SIP or who asks.
 */
import { isIPv4 } from 'node:net';

/** True for an IPv4 literal media may be sent to (see the file header). */
export function isUnicastIpv4(address: string): boolean {
  if (!isIPv4(address)) {
    return false;
  }
  const first = Number(address.slice(0, address.indexOf('.')));
  return first !== 0 && first < 224;
}

/**
 * Checks a media peer: a unicast IPv4 literal and a port 1-65535.
 *
 * @throws TypeError otherwise, naming the address.
 */
export function checkMediaPeer(peer: { readonly address: string; readonly port: number }): void {
  if (!isIPv4(peer.address) || !Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) {
    throw new TypeError(
      `peer must be an IPv4 literal and a port 1-65535, got ${peer.address}:${peer.port}`,
    );
  }
  if (!isUnicastIpv4(peer.address)) {
    throw new TypeError(
      `peer ${peer.address} is not a unicast address (multicast, broadcast, reserved or unspecified)`,
    );
  }
}
