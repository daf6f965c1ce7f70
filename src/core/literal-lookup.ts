/**
 * A synchronous address lookup for `node:dgram` sockets that only ever send to IPv4 literals.
 * The default lookup goes through `dns.lookup`, which defers every unconnected send by one
 * tick even for a literal (a callback scheduled and run per datagram); this one answers at
 * once, so the send happens in the caller's turn.
 *
 * It must not resolve names: the simulator has no DNS, and a name here is a caller's bug.
 */
import { isIPv4 } from 'node:net';

/** Answers an IPv4 literal as itself; anything else is an error (`EAI_NONAME`). */
export function literalLookup(
  address: string,
  _family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isIPv4(address)) {
    callback(null, address, 4);
    return;
  }
  const error: NodeJS.ErrnoException = new Error(`not an IPv4 literal: ${address}`);
  error.code = 'EAI_NONAME';
  callback(error, address, 4);
}
