/**
 * The one door every socket owner sends datagrams through.
 *
 * SIP transports, media endpoints and the relay are given a {@link DatagramEgress} instead of
 * calling `socket.send()` themselves, so that a simulation can put something between the
 * socket and the wire: {@link directEgress} sends at once; the link emulator in
 * `media/impairment.ts` delays, rate-limits and drops datagrams per link, in user space.
 *
 * Buffer ownership: an egress may hold on to `buf` and send it later (milliseconds or
 * seconds later when a link is impaired). As with `socket.send()` itself, whose callback is
 * the only sign that the kernel has taken a copy, the caller hands the Buffer over and must
 * not write to it again. A sender that recycles buffers from a pool must size the pool for
 * the longest time a datagram can be held (one-way delay plus queueing).
 *
 * This file must not know SIP, RTP or links: it only names the door and the direct one.
 */
import type dgram from 'node:dgram';

/** Sends datagrams on behalf of a socket owner. Lives in `core` so that `sip` and `media` can both depend on it. */
export interface DatagramEgress {
  /**
   * Sends `buf` from `socket` to `address`:`port`, now or later, or drops it.
   *
   * `address` must be an IP literal (no name resolution happens on this path) and the socket
   * must not be connected. The caller gives up `buf`: it must not be modified afterwards.
   * Implementations other than {@link directEgress} never throw; failures are counted.
   *
   * @throws Only {@link directEgress}, exactly as `socket.send()` does (for example
   *   `ERR_SOCKET_DGRAM_NOT_RUNNING` on a closed socket).
   */
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void;
}

/**
 * Sends immediately with `socket.send(buf, port, address)`, no callback: an asynchronous send
 * error is emitted as an `'error'` event on the socket, as Node does for any callback-less
 * send. Allocates nothing of its own.
 *
 * @throws Whatever `socket.send()` throws synchronously (a closed socket), so that callers
 *   that already catch around `socket.send()` keep their accounting.
 */
export const directEgress: DatagramEgress = Object.freeze({
  send(socket: dgram.Socket, buf: Buffer, port: number, address: string): void {
    socket.send(buf, port, address);
  },
});
