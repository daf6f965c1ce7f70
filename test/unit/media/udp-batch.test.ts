import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../../src/core/index.js';
import {
  RELAY_IO_ENV,
  RELAY_NATIVE_ENV,
  loadUdpBatch,
  resolveNativeForwarding,
  resolveRelayIo,
  udpBatchLoadError,
} from '../../../src/media/index.js';
import { ipv4ToUint32, uint32ToIpv4 } from '../../../src/media/udp-batch.js';

const saved = { io: process.env[RELAY_IO_ENV], native: process.env[RELAY_NATIVE_ENV] };
afterEach(() => {
  for (const [name, value] of [
    [RELAY_IO_ENV, saved.io],
    [RELAY_NATIVE_ENV, saved.native],
  ] as const) {
    if (value === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }
});

const built = loadUdpBatch() !== null;

describe('batched UDP I/O: addresses', () => {
  it('converts IPv4 literals to host-order uint32 and back', () => {
    expect(ipv4ToUint32('127.0.0.1')).toBe(0x7f000001);
    expect(ipv4ToUint32('255.255.255.255')).toBe(0xffffffff);
    expect(ipv4ToUint32('0.0.0.0')).toBe(0);
    expect(ipv4ToUint32('192.0.2.10')).toBe(0xc000020a);
    for (const a of ['127.0.0.1', '10.1.2.3', '192.0.2.255', '255.255.255.255', '0.0.0.0']) {
      expect(uint32ToIpv4(ipv4ToUint32(a))).toBe(a);
    }
  });
});

describe('batched UDP I/O: choice of the I/O path', () => {
  it('dgram when asked for, with an egress, or from the environment', () => {
    delete process.env[RELAY_IO_ENV];
    expect(resolveRelayIo('dgram')).toBe('dgram');
    expect(resolveRelayIo('batch', { send: () => undefined })).toBe('dgram');
    expect(resolveRelayIo('auto', { send: () => undefined })).toBe('dgram');
    process.env[RELAY_IO_ENV] = 'dgram';
    expect(resolveRelayIo(undefined)).toBe('dgram');
    process.env[RELAY_IO_ENV] = 'fast';
    expect(() => resolveRelayIo(undefined)).toThrow(TypeError);
  });

  it('auto is batch exactly when the addon loads', () => {
    delete process.env[RELAY_IO_ENV];
    expect(resolveRelayIo(undefined)).toBe(built ? 'batch' : 'dgram');
    expect(resolveRelayIo('auto')).toBe(built ? 'batch' : 'dgram');
    expect(udpBatchLoadError() === null).toBe(built);
  });

  it.runIf(built)('batch when asked for and built', () => {
    expect(resolveRelayIo('batch')).toBe('batch');
  });

  it.skipIf(built)('asking for batch without the addon is a bind error', () => {
    expect(() => resolveRelayIo('batch')).toThrow(
      expect.objectContaining({ code: ErrorCodes.MEDIA_BIND }),
    );
  });
});

describe('batched UDP I/O: native forwarding or the stages', () => {
  it('is on unless asked otherwise, by the option or MEDIAPATH_RELAY_NATIVE', () => {
    delete process.env[RELAY_NATIVE_ENV];
    expect(resolveNativeForwarding(undefined)).toBe(true);
    expect(resolveNativeForwarding(false)).toBe(false);
    process.env[RELAY_NATIVE_ENV] = 'off';
    expect(resolveNativeForwarding(undefined)).toBe(false);
    expect(resolveNativeForwarding(true)).toBe(true);
    process.env[RELAY_NATIVE_ENV] = 'on';
    expect(resolveNativeForwarding(undefined)).toBe(true);
    process.env[RELAY_NATIVE_ENV] = 'yes';
    expect(() => resolveNativeForwarding(undefined)).toThrow(TypeError);
  });
});
