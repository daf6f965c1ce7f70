// The classifier, the RFC 3550 statistics and the counting of the native forwarding path,
// written to give exactly what the TypeScript stages give (see fast_path.h). Every function
// here reads bytes at offsets and numbers in shared rows; none allocates or fails.
#include "fast_path.h"

namespace fastpath {
namespace {

// RFC 3550 A.1 constants, as in stats.ts.
constexpr double kMinSequential = 2;
constexpr int kMaxDropout = 3000;
constexpr int kMaxMisorder = 100;
constexpr int kSeqMod = 0x10000;

// Row fields of stats.ts.
constexpr size_t fPackets = 0;
constexpr size_t fBytes = 1;
constexpr size_t fSsrc = 2;
constexpr size_t fMaxSeq = 3;
constexpr size_t fCycles = 4;
constexpr size_t fBaseSeq = 5;
constexpr size_t fBadSeq = 6;
constexpr size_t fProbation = 7;
constexpr size_t fReceived = 8;
constexpr size_t fDuplicates = 9;
constexpr size_t fMisordered = 10;
constexpr size_t fJumps = 11;
constexpr size_t fTransit = 12;
constexpr size_t fJitter = 13;
constexpr size_t fHasTransit = 14;

constexpr size_t kRtpFixedHeader = 12;
constexpr size_t kRtcpMinLength = 8;
constexpr int kMaxRtcpCompoundPackets = 64;

// Structural checks of an RTP packet (RFC 3550 section 5.1 and A.1), as classifyRtp.
int ClassifyRtp(const uint8_t* buf, size_t len) {
  if (len < kRtpFixedHeader) {
    return kTooShort;
  }
  size_t offset = kRtpFixedHeader + (static_cast<size_t>(buf[0] & 0x0f) << 2);
  if (offset > len) {
    return kCsrcOverflow;
  }
  if ((buf[0] & 0x10) != 0) {
    // RFC 3550 section 5.3.1: a 4-byte extension header, then `length` 32-bit words.
    if (offset + 4 > len) {
      return kExtensionOverflow;
    }
    offset += 4 + (static_cast<size_t>((buf[offset + 2] << 8) | buf[offset + 3]) << 2);
    if (offset > len) {
      return kExtensionOverflow;
    }
  }
  if ((buf[0] & 0x20) != 0) {
    if (len <= offset) {
      return kBadPadding;
    }
    const size_t padding = buf[len - 1];
    if (padding == 0 || padding > len - offset) {
      return kBadPadding;
    }
  }
  return kRtp;
}

// Walks an RTCP compound packet (RFC 3550 section 6.4.1 and A.2), as classifyRtcp.
int ClassifyRtcp(const uint8_t* buf, size_t len) {
  if (len < kRtcpMinLength) {
    return kTooShort;
  }
  if ((len & 3) != 0) {
    return kRtcpBadLength;
  }
  size_t offset = 0;
  for (int i = 0; i < kMaxRtcpCompoundPackets; i++) {
    const uint8_t b0 = buf[offset];
    if ((b0 & 0xc0) != 0x80) {
      return kBadVersion;
    }
    const uint8_t pt = buf[offset + 1];
    if (pt < 192 || pt > 223) {
      return kRtcpBadType;
    }
    const size_t size = (static_cast<size_t>((buf[offset + 2] << 8) | buf[offset + 3]) + 1) << 2;
    const size_t next = offset + size;
    if (next > len) {
      return kRtcpBadLength;
    }
    if ((b0 & 0x20) != 0) {
      // Only the last packet of a compound may be padded; its last byte counts the padding.
      const size_t padding = buf[next - 1];
      if (next != len || padding == 0 || padding > size - 4) {
        return kBadPadding;
      }
    }
    if (next == len) {
      return kRtcp;
    }
    offset = next;
  }
  return kRtcpBadLength;
}

// RFC 3550 A.1 init_seq.
void InitSeq(double* s, int seq) {
  s[fBaseSeq] = seq;
  s[fMaxSeq] = seq;
  s[fBadSeq] = kSeqMod + 1;
  s[fCycles] = 0;
  s[fReceived] = 0;
}

// RFC 3550 A.1 update_seq, with duplicates and misordered packets counted apart.
int UpdateSeq(double* s, int seq) {
  const int maxSeq = static_cast<int>(s[fMaxSeq]);
  const int udelta = (seq - maxSeq) & 0xffff;
  if (s[fProbation] > 0) {
    // Source is not valid until kMinSequential packets in sequence have arrived.
    if (seq == ((maxSeq + 1) & 0xffff)) {
      s[fProbation] -= 1;
      s[fMaxSeq] = seq;
      if (s[fProbation] == 0) {
        InitSeq(s, seq);
        s[fReceived] += 1;
        return 1;
      }
    } else {
      s[fProbation] = kMinSequential - 1;
      s[fMaxSeq] = seq;
    }
    return 0;
  }
  if (udelta < kMaxDropout) {
    if (udelta == 0) {
      s[fDuplicates] += 1;
    } else {
      // In order, with a permissible gap; a wrap adds one cycle.
      if (seq < maxSeq) {
        s[fCycles] += kSeqMod;
      }
      s[fMaxSeq] = seq;
    }
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump. Two sequential packets after it mean the sender restarted.
    s[fJumps] += 1;
    if (seq == static_cast<int>(s[fBadSeq])) {
      InitSeq(s, seq);
    } else {
      s[fBadSeq] = (seq + 1) & 0xffff;
      return 0;
    }
  } else {
    // A duplicate or reordered packet within the misorder window: A.1 counts it.
    s[fMisordered] += 1;
  }
  s[fReceived] += 1;
  return 1;
}

inline uint32_t Read32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

}  // namespace

int Classify(const uint8_t* buf, size_t len, size_t maxLength) {
  if (len == 0) {
    return kTooShort;
  }
  if (len > maxLength) {
    return kTooLarge;
  }
  const uint8_t b0 = buf[0];
  if (b0 < 128) {
    // RFC 7983 section 7: 0-3 STUN, 20-63 DTLS, 16-19 ZRTP and 64-79 TURN channels.
    if (b0 <= 3) {
      return kStun;
    }
    if (b0 >= 20 && b0 <= 63) {
      return kDtls;
    }
    if (b0 < 80) {
      return kUnknownFirstByte;
    }
    return kBadVersion;
  }
  if (b0 > 191) {
    return kBadVersion;
  }
  if (len < 2) {
    return kTooShort;
  }
  const uint8_t b1 = buf[1];
  if (b1 >= 192 && b1 <= 223) {
    return ClassifyRtcp(buf, len);
  }
  return ClassifyRtp(buf, len);
}

int StatsOnRtp(double* slab, size_t row, double ssrc, int seq, double bytes) {
  double* s = slab + row * kStatsStride;
  s[fPackets] += 1;
  s[fBytes] += bytes;
  if (s[fPackets] == 1 || s[fSsrc] != ssrc) {
    s[fSsrc] = ssrc;
    // A.1: a new source starts in probation with max_seq one below the first seq.
    InitSeq(s, seq);
    s[fMaxSeq] = (seq - 1) & 0xffff;
    s[fProbation] = kMinSequential;
    s[fHasTransit] = 0;
  }
  return UpdateSeq(s, seq);
}

void StatsOnJitter(double* slab, size_t row, double rtpTimestamp, double arrival) {
  double* s = slab + row * kStatsStride;
  const double transit = arrival - rtpTimestamp;
  if (s[fHasTransit] == 0) {
    s[fHasTransit] = 1;
    s[fTransit] = transit;
    return;
  }
  double d = transit - s[fTransit];
  s[fTransit] = transit;
  if (d < 0) {
    d = -d;
  }
  // A timestamp wrap between two packets shows up as a jump near 2^32: fold it back.
  if (d > 2147483648.0) {
    d = 4294967296.0 - d;
  }
  s[fJitter] += (d - s[fJitter]) / 16;
}

void CountForward(const Tables& t, const Entry& e, const uint8_t* buf, uint32_t len, int cls,
                  double nowMs) {
  double* leg = t.legs + static_cast<size_t>(e.row) * kLegStride;
  leg[kLegBytes] += len;
  if (cls == kRtcp) {
    leg[kLegRtcp] += 1;
  } else {
    leg[kLegRtp] += 1;
    StatsOnRtp(t.stats, e.row, Read32(buf + 8), (buf[2] << 8) | buf[3], len);
    StatsOnJitter(t.stats, e.row, Read32(buf + 4), nowMs * e.unitsPerMs);
  }
  leg[kLegForwarded] += 1;
  t.engine[kEngineReceived] += 1;
  t.engine[kEngineForwarded] += 1;
  t.engine[kEngineForwardedBytes] += len;
  t.engine[kEngineVerdicts + cls] += 1;
}

int Verdict(const Entry& e, const uint8_t* buf, size_t len, uint32_t ip, uint32_t port,
            size_t maxLength) {
  const int cls = Classify(buf, len, maxLength);
  if (cls > kRtcp) {
    return cls;
  }
  return ip == e.srcIp && port == e.srcPort ? cls : kStranger;
}

void CountDrop(const Tables& t, uint32_t row, int verdict) {
  double* leg = t.legs + static_cast<size_t>(row) * kLegStride;
  leg[kLegDrops + verdict] += 1;
  t.engine[kEngineReceived] += 1;
  t.engine[kEngineVerdicts + verdict] += 1;
}

void CountSendFailed(const Tables& t, uint32_t row, uint32_t len, int cls) {
  double* leg = t.legs + static_cast<size_t>(row) * kLegStride;
  leg[kLegForwarded] -= 1;
  leg[kLegDrops + kSendFailed] += 1;
  t.engine[kEngineForwarded] -= 1;
  t.engine[kEngineForwardedBytes] -= len;
  t.engine[kEngineVerdicts + cls] -= 1;
  t.engine[kEngineVerdicts + kSendFailed] += 1;
}

}  // namespace fastpath
