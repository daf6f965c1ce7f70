/**
 * The tap through which a socket owner reports every datagram it receives, so that a run can
 * write a capture of what its hosts exchanged (`mediapath run --pcap`). Lives in `core` so that
 * `sip` and `media` can both take one without knowing each other or the capture format.
 */

/** Receives a copy of the view of every datagram a socket received. */
export interface DatagramTap {
  /**
   * `buf[0, len)` arrived at `localAddress:localPort` from `remoteAddress:remotePort`. The tap
   * must copy what it keeps: the buffer is reused as soon as this returns. Never throws.
   */
  received(
    localAddress: string,
    localPort: number,
    remoteAddress: string,
    remotePort: number,
    buf: Uint8Array,
    len: number,
  ): void;
}
