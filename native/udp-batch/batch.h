// The state of one batch context (one relay engine): its sockets, the epoll set libuv
// watches, the memory shared with JavaScript, the established streams forwarded natively,
// and the counters of the I/O path itself. Shared by udp_batch.cc (the exported control
// functions) and batch_loop.cc (the receive and send path). This header must not know the
// relay's rules: which stream is established is JavaScript's decision (setFast, clearFast).
//
// Shared memory, owned by JavaScript and passed to open():
//   recv  ArrayBuffer, `slots` slots of `slotSize` bytes; datagram i of a wake-up is in slot i.
//   meta  Uint32Array, 5 per datagram handed to JavaScript: socket index, length, source
//         IPv4, source port, slot. The length is the datagram's real length (MSG_TRUNC),
//         which may exceed slotSize.
//   send  Uint32Array, 8 per send queued by JavaScript: socket index, destination IPv4, port
//         (0: connected), slot, length, status (errno after flush, 0 when sent), two words
//         for the caller.
// and to tables(): the engine's counters, the legs' counters and the streams' statistics
// (Float64Arrays, layouts in fast_path.h), which the native path updates in place.
// IPv4 addresses are host-order uint32 (127.0.0.1 = 0x7f000001).
#ifndef MEDIAPATH_BATCH_H_
#define MEDIAPATH_BATCH_H_

#include <netinet/in.h>
#include <node_api.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <vector>

#include "fast_path.h"

namespace udpbatch {

constexpr uint32_t kMetaStride = 5;
constexpr uint32_t kSendStride = 8;
constexpr int kMaxEvents = 256;

struct Socket {
  int fd = -1;
  // Bumped on close: epoll events and indices of a closed socket are recognised as stale.
  uint32_t generation = 0;
  // The established stream received on this socket, when it is forwarded natively.
  fastpath::Entry fast;
};

// A forward decided natively, waiting for the end of the wake-up's reads.
struct FastSend {
  uint32_t out;
  uint32_t ip;
  uint32_t port;
  uint32_t slot;
  uint32_t length;
  uint32_t row;
  int cls;
};

// Counters of the I/O path, for profiles (ioCounters()).
struct IoCounters {
  double wakeups = 0;
  double received = 0;
  double forwardedNatively = 0;
  double toScript = 0;
  double scriptCalls = 0;
  double sendCalls = 0;
};

struct Batch {
  napi_env env = nullptr;
  uv_poll_t poll;
  int epfd = -1;
  napi_ref callback = nullptr;
  napi_ref recvRef = nullptr;
  napi_ref metaRef = nullptr;
  napi_ref sendRef = nullptr;
  napi_ref engineRef = nullptr;
  napi_ref legsRef = nullptr;
  napi_ref statsRef = nullptr;
  napi_ref clockRef = nullptr;
  napi_async_context async = nullptr;
  napi_async_cleanup_hook_handle cleanupHook = nullptr;
  uint8_t* recv = nullptr;
  uint32_t* meta = nullptr;
  uint32_t* send = nullptr;
  uint32_t slots = 0;
  uint32_t slotSize = 0;
  std::vector<Socket> sockets;
  std::vector<uint32_t> freeIndices;
  uint32_t openSockets = 0;
  bool closing = false;
  bool tearingDown = false;
  // Native forwarding: the shared tables (set by tables()), and the clock of arrival times:
  // the monotonic clock shifted onto the engine's clock, or a cell the engine writes (an
  // injected clock in tests).
  bool native = false;
  fastpath::Tables tables;
  double clockOffsetMs = 0;
  const double* clockCell = nullptr;
  std::vector<FastSend> fastSends;
  uint32_t fastQueued = 0;
  IoCounters io;
  // recvmmsg/sendmmsg headers, set up once; receive entry i points at slot i.
  std::vector<mmsghdr> rmsgs;
  std::vector<iovec> riov;
  std::vector<sockaddr_in> rnames;
  std::vector<mmsghdr> smsgs;
  std::vector<iovec> siov;
  std::vector<sockaddr_in> snames;
  epoll_event events[kMaxEvents];
};

// The descriptor of socket `index`, or -1 when it is closed or unknown.
inline int SocketFd(const Batch* b, uint32_t index) {
  return index < b->sockets.size() ? b->sockets[index].fd : -1;
}

// The libuv callback of the epoll set: reads, forwards natively, hands the rest up.
void OnReadable(uv_poll_t* handle, int status, int events);

// Sends the first `n` descriptors JavaScript queued in the send array; returns how many
// failed (their status word holds the errno).
uint32_t FlushScriptSends(Batch* b, uint32_t n);

}  // namespace udpbatch

#endif  // MEDIAPATH_BATCH_H_
