/**
 * IPv4 helpers on unsigned 32-bit integers. Pure, allocation-free where it matters.
 *
 * This file must not know sites, subnets of a scenario or sockets: it only computes on
 * addresses and prefixes.
 */

/** Parses a dotted-quad IPv4 address; returns -1 when it is not one. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return -1;
  }
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) {
      return -1;
    }
    const octet = Number(part);
    if (octet > 255) {
      return -1;
    }
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** Formats an unsigned 32-bit integer as a dotted quad. */
export function formatIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The network mask for a prefix length 0..32, as an unsigned 32-bit integer. */
export function maskOf(bits: number): number {
  if (bits <= 0) {
    return 0;
  }
  if (bits >= 32) {
    return 0xffffffff;
  }
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** The first address of the range `ip/bits`. */
export function networkOf(ip: number, bits: number): number {
  return (ip & maskOf(bits)) >>> 0;
}

/** True when `ip` lies in `net/bits`. */
export function containsIp(net: number, bits: number, ip: number): boolean {
  return networkOf(ip, bits) === net;
}

/** True when the two ranges share at least one address. */
export function rangesOverlap(netA: number, bitsA: number, netB: number, bitsB: number): boolean {
  const bits = Math.min(bitsA, bitsB);
  return networkOf(netA, bits) === networkOf(netB, bits);
}
