/**
 * Media: RTP/RTCP header readers, the packet classifier, per-stream statistics, the
 * Mediation Server's RTP relay and the media endpoints of emulated clients and gateways.
 * Nothing here knows about SIP or policy; `lab` wires them together.
 */
export * from './rtp-header.js';
export * from './classifier.js';
export * from './stats.js';
export { checkMediaPeer, isUnicastIpv4 } from './media-address.js';
export { PortPool } from './port-pool.js';
export { CoarseTicker, type Tickable } from './ticker.js';
export { RelayEngine } from './relay-engine.js';
export { resolveNativeForwarding, resolveRelayIo } from './relay-io-path.js';
export {
  RELAY_IO_ENV,
  RELAY_NATIVE_ENV,
  type AllocateRequest,
  type LegName,
  type MediaTimeout,
  type RelayCounters,
  type RelayEngineOptions,
  type RelayEvents,
  type RelayIo,
  type RelayIoCounters,
  type RelayLegStats,
  type RelaySessionInfo,
  type RelaySessionStats,
  type SessionCloseReason,
  type TransportAddress,
} from './relay-types.js';
export { loadUdpBatch, udpBatchLoadError, type UdpBatchCounters } from './udp-batch.js';
export { createRelay, splitRange, sumCounters, type Relay, type RelayOptions } from './relay.js';
export { MediaEndpoint, sharedEndpointTicker } from './endpoint.js';
export {
  checkFormat,
  G711_PAYLOAD_BYTES,
  g711Format,
  MAX_PAYLOAD_BYTES,
  PTIME_MS,
  type EndpointEvents,
  type EndpointReport,
  type G711PayloadType,
  type LatencyReport,
  type MediaEndpointOptions,
  type SourceReport,
  type StreamFormat,
} from './endpoint-types.js';
export { buildRtcpReport, type RtcpReportBlock, type RtcpSender } from './endpoint-rtcp.js';
export {
  hasTaskset,
  LoadGenerator,
  PACKETS_PER_SECOND,
  pinCurrentProcess,
  spawnLoadGenerator,
  type GeneratorAddresses,
  type GeneratorPrepare,
  type GeneratorProgress,
  type GeneratorResult,
  type GeneratorRun,
  type LoadGeneratorProcess,
  type SpawnGeneratorOptions,
} from './load-generator.js';
export {
  directAllocator,
  findMaxHeld,
  machineBusySeconds,
  relayAllocator,
  runLoadLevel,
  type CallAllocator,
  type HoldCriteria,
  type LoadLevelOptions,
  type LoadLevelResult,
  type RampOptions,
  type RampResult,
} from './load-run.js';
export {
  createLinkEmulatorPair,
  deriveSeed,
  ImpairedEgress,
  LinkDrop,
  LinkEmulator,
  WIRE_OVERHEAD_BYTES,
  type ImpairedEgressOptions,
  type ImpairedEgressStats,
  type LinkEmulatorPair,
  type LinkEmulatorStats,
  type LinkResolver,
} from './impairment.js';
export {
  Transcoder,
  type TranscoderEvents,
  type TranscoderLegStats,
  type TranscoderOptions,
  type TranscoderStats,
  type TranscoderTimeout,
} from './transcoder.js';
