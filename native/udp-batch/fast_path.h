// The relay's native forwarding of established streams: the packet classifier, the RFC 3550
// receive statistics and the per-leg and per-engine counters, in C++, over the same memory
// layouts as their TypeScript counterparts (src/media/classifier.ts, stats.ts and the
// counter tables of relay-counters.ts). On a leg whose stream is established (its source is
// final, the other leg has a peer) the JavaScript stages reduce to: classify, check the
// source, count, forward; this file does the same, with the same verdicts and counts, for
// the forwarding thread.
//
// This file must not know Node-API, libuv or sockets: it works on buffers, numbers and the
// shared Float64Arrays it is given. The layouts below must match the TypeScript side; a unit
// test runs the classifier's and the statistics' test vectors through both.
#ifndef MEDIAPATH_FAST_PATH_H_
#define MEDIAPATH_FAST_PATH_H_

#include <cstddef>
#include <cstdint>

namespace fastpath {

// Verdicts, as classifier.ts numbers them: two packet classes, then the drop reasons.
constexpr int kRtp = 0;
constexpr int kRtcp = 1;
constexpr int kTooShort = 2;
constexpr int kTooLarge = 3;
constexpr int kBadVersion = 4;
constexpr int kCsrcOverflow = 5;
constexpr int kExtensionOverflow = 6;
constexpr int kBadPadding = 7;
constexpr int kRtcpBadLength = 8;
constexpr int kRtcpBadType = 9;
constexpr int kStun = 10;
constexpr int kDtls = 11;
constexpr int kUnknownFirstByte = 12;
constexpr int kStranger = 13;
constexpr int kInactive = 15;
constexpr int kSendFailed = 17;
constexpr int kVerdictCount = 18;

// Engine counters (relay-counters.ts ENGINE_*): datagrams received, forwarded, bytes
// forwarded, then one counter per verdict. The forwarding thread keeps its own.
constexpr size_t kEngineReceived = 0;
constexpr size_t kEngineForwarded = 1;
constexpr size_t kEngineForwardedBytes = 2;
constexpr size_t kEngineVerdicts = 3;
constexpr size_t kEngineCounters = kEngineVerdicts + kVerdictCount;

// A leg's counters (relay-counters.ts LEG_*), one row of kLegStride per leg: valid RTP and
// RTCP packets, their bytes, forwards, then the forwarding thread's drops by verdict code.
constexpr size_t kLegRtp = 0;
constexpr size_t kLegRtcp = 1;
constexpr size_t kLegBytes = 2;
constexpr size_t kLegForwarded = 3;
constexpr size_t kLegDrops = 4;
constexpr size_t kLegStride = kLegDrops + kVerdictCount;

// A stream's RFC 3550 row (stats.ts F_*), kStatsStride float64 per stream.
constexpr size_t kStatsStride = 16;

// Classifies one datagram as classifier.ts's classifyPacket does: a packet class (kRtp,
// kRtcp) or a drop reason. Reads only the first `len` bytes; `len` may exceed what the buffer
// holds only when it also exceeds `maxLength` (then nothing is read).
int Classify(const uint8_t* buf, size_t len, size_t maxLength);

// RFC 3550 A.1 for one RTP packet on row `row` of `slab` (stats.ts onRtp): 1 when A.1 counts
// it as received, 0 while the source is in probation or after a large jump.
int StatsOnRtp(double* slab, size_t row, double ssrc, int seq, double bytes);

// RFC 3550 A.8 interarrival jitter for one RTP packet (stats.ts onJitter); `arrival` is in
// RTP timestamp units.
void StatsOnJitter(double* slab, size_t row, double rtpTimestamp, double arrival);

// An established stream, one per receiving socket: the only source it accepts, where its
// packets go, and the row of its counters and statistics.
struct Entry {
  bool on = false;
  uint32_t srcIp = 0;
  uint32_t srcPort = 0;
  // The socket the packets go out of, and its generation when the entry was set.
  uint32_t outIndex = 0;
  uint32_t outGeneration = 0;
  // The destination; port 0 means the out socket is connected to it.
  uint32_t dstIp = 0;
  uint32_t dstPort = 0;
  uint32_t row = 0;
  // RTP timestamp units per millisecond of arrival time (8 for the 8 kHz clock of G.711).
  double unitsPerMs = 8;
};

// The shared tables of one engine, owned by JavaScript.
struct Tables {
  double* engine = nullptr;
  double* legs = nullptr;
  size_t legRows = 0;
  double* stats = nullptr;
  size_t statsRows = 0;
  uint32_t maxLength = 0;
};

// The verdict of one datagram on an established stream, as the JavaScript stages would give
// it: the classifier's, then `kStranger` for a valid packet from another source.
int Verdict(const Entry& e, const uint8_t* buf, size_t len, uint32_t ip, uint32_t port,
            size_t maxLength);

// Counts one valid packet of an established stream on its leg and on the engine, with its
// RFC 3550 statistics when it is RTP (arrival time in milliseconds), as the JavaScript stages
// stageCount and stageForward, and the engine's tally of a forward, do.
void CountForward(const Tables& t, const Entry& e, const uint8_t* buf, uint32_t len, int cls,
                  double nowMs);

// Counts one dropped datagram on its leg (by verdict) and on the engine.
void CountDrop(const Tables& t, uint32_t row, int verdict);

// Undoes the forward of a packet whose send the kernel refused: counted as send-failed.
void CountSendFailed(const Tables& t, uint32_t row, uint32_t len, int cls);

}  // namespace fastpath

#endif  // MEDIAPATH_FAST_PATH_H_
