/**
 * Which way a relay engine's datagrams come in and go out: the batched addon or `node:dgram`
 * (option `io`, else `MEDIAPATH_RELAY_IO`), and on the batch path whether the addon forwards
 * established streams itself (option `nativeForwarding`, else `MEDIAPATH_RELAY_NATIVE`). It
 * must not know sessions or packets: it reads the options, the environment and whether the
 * addon loads.
 */
import { ErrorCodes, SimError, type DatagramEgress } from '../core/index.js';
import { RELAY_IO_ENV, RELAY_NATIVE_ENV, type RelayIo } from './relay-types.js';
import { loadUdpBatch, udpBatchLoadError } from './udp-batch.js';

/**
 * The I/O path a relay will use. Without `requested`, the environment variable
 * `MEDIAPATH_RELAY_IO` (`auto`, `batch` or `dgram`) decides, else `auto`. An egress always
 * means dgram: it sends through dgram sockets.
 *
 * @throws SimError `MEDIA_BIND` when batch I/O is asked for and the addon is not available;
 *   TypeError for an unknown value.
 */
export function resolveRelayIo(
  requested: RelayIo | undefined,
  egress?: DatagramEgress,
): 'batch' | 'dgram' {
  const wanted = requested ?? (process.env[RELAY_IO_ENV] || 'auto');
  if (wanted !== 'auto' && wanted !== 'batch' && wanted !== 'dgram') {
    throw new TypeError(`relay io must be auto, batch or dgram, got ${wanted}`);
  }
  if (wanted === 'dgram' || egress !== undefined) {
    return 'dgram';
  }
  if (loadUdpBatch() === null) {
    if (wanted === 'batch') {
      throw new SimError(
        ErrorCodes.MEDIA_BIND,
        `batched UDP I/O is not available: ${udpBatchLoadError() ?? 'addon not loaded'}`,
      );
    }
    return 'dgram';
  }
  return 'batch';
}

/**
 * Whether a batch-path engine forwards established streams natively: `requested`, else
 * `MEDIAPATH_RELAY_NATIVE` (`off` turns it off), else yes.
 *
 * @throws TypeError for an unknown value of the environment variable.
 */
export function resolveNativeForwarding(requested: boolean | undefined): boolean {
  if (requested !== undefined) {
    return requested;
  }
  const env = process.env[RELAY_NATIVE_ENV] ?? '';
  if (env !== '' && env !== 'on' && env !== 'off') {
    throw new TypeError(`${RELAY_NATIVE_ENV} must be on or off, got ${env}`);
  }
  return env !== 'off';
}
