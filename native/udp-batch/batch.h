// The state of one batch context (one relay engine): its sockets and the two epoll sets they
// are in, the memory shared with JavaScript, the established streams forwarded natively, the
// forwarding thread, and the counters of the I/O path itself. Shared by udp_batch.cc (the
// exported control functions), batch_loop.cc (the engine thread's receive and send path) and
// forward_thread.cc (the forwarding thread). This header must not know the relay's rules:
// which stream is established is JavaScript's decision (setFast, clearFast).
//
// A socket is in exactly one epoll set:
//   - the engine thread's, watched by libuv through one uv_poll_t: every datagram goes up to
//     the JavaScript stages (batch_loop.cc);
//   - the forwarding thread's, once JavaScript declared its stream established: the thread
//     checks, counts, drops or forwards every datagram itself (forward_thread.cc).
// setFast moves a socket to the forwarding thread, clearFast (and close) back.
//
// Shared memory, owned by JavaScript and passed to open():
//   recv  ArrayBuffer, `slots` slots of `slotSize` bytes; datagram i of a wake-up is in slot i.
//   meta  Uint32Array, 4 per datagram handed to JavaScript: socket index, length, source
//         IPv4, source port. The length is the datagram's real length (MSG_TRUNC), which may
//         exceed slotSize.
//   send  Uint32Array, 8 per send queued by JavaScript: socket index, destination IPv4, port
//         (0: connected), slot, length, status (errno after flush, 0 when sent), two words
//         for the caller.
// and to tables(): the forwarding thread's engine counters, the legs' counters and the
// streams' statistics (Float64Arrays, layouts in fast_path.h), which the thread updates in
// place for the legs it owns.
// IPv4 addresses are host-order uint32 (127.0.0.1 = 0x7f000001).
//
// Locking: `mu` guards the sockets, their entries and epoll membership, the shared tables'
// rows of established legs and the thread's counters. The forwarding thread holds it while
// it handles one wake-up; every control function that touches that state takes it; pause()
// and resume() let JavaScript read the tables while the thread waits.
#ifndef MEDIAPATH_BATCH_H_
#define MEDIAPATH_BATCH_H_

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "fast_path.h"

namespace udpbatch {

constexpr uint32_t kMetaStride = 4;
constexpr uint32_t kSendStride = 8;
constexpr int kMaxEvents = 256;
// The epoll tag of the forwarding thread's wake-up eventfd (no socket has this index).
constexpr uint64_t kWakeTag = ~static_cast<uint64_t>(0);

struct Socket {
  int fd = -1;
  // Bumped on close: epoll events and indices of a closed socket are recognised as stale.
  uint32_t generation = 0;
  // In the forwarding thread's epoll set (its stream is established), else in the engine's.
  bool forwarded = false;
  // The established stream received on this socket, when it is forwarded natively.
  fastpath::Entry fast;
};

// A forward decided natively, waiting for the socket's sendmmsg.
struct FastSend {
  uint32_t slot;
  uint32_t length;
  uint32_t ip;
  uint32_t port;
  int cls;
};

// Counters of the I/O path, for profiles (ioCounters()). The engine thread's and the
// forwarding thread's are kept apart (each writes its own).
struct IoCounters {
  double wakeups = 0;
  double received = 0;
  double forwardedNatively = 0;
  double droppedNatively = 0;
  double toScript = 0;
  double scriptCalls = 0;
  double sendCalls = 0;
};

// recvmmsg/sendmmsg headers over a buffer of slots, set up once; entry i points at slot i.
struct Headers {
  std::vector<mmsghdr> rmsgs;
  std::vector<iovec> riov;
  std::vector<sockaddr_in> rnames;
  std::vector<mmsghdr> smsgs;
  std::vector<iovec> siov;
  std::vector<sockaddr_in> snames;
  void Init(uint8_t* slots, uint32_t count, uint32_t slotSize);
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
  Headers headers;
  IoCounters io;
  epoll_event events[kMaxEvents];

  // Native forwarding: the shared tables (set by tables()), and the clock of arrival times:
  // the monotonic clock shifted onto the engine's clock, or a cell the engine writes (an
  // injected clock in tests).
  std::mutex mu;
  bool native = false;
  fastpath::Tables tables;
  double clockOffsetMs = 0;
  const double* clockCell = nullptr;
  // Held by the engine thread between pause() and resume().
  bool paused = false;

  // The forwarding thread: its epoll set, the eventfd that wakes it to stop, its own slots
  // and headers (the engine thread's are JavaScript's), and its counters.
  std::thread thread;
  bool threadRunning = false;
  bool stopping = false;
  int fwdEpfd = -1;
  int wakeFd = -1;
  std::vector<uint8_t> fwdRecv;
  Headers fwdHeaders;
  std::vector<FastSend> fwdSends;
  // Receive entries the last recvmmsg filled (their address lengths need resetting).
  uint32_t fwdFilled = 0;
  IoCounters fwdIo;
  epoll_event fwdEvents[kMaxEvents];
};

// The descriptor of socket `index`, or -1 when it is closed or unknown.
inline int SocketFd(const Batch* b, uint32_t index) {
  return index < b->sockets.size() ? b->sockets[index].fd : -1;
}

// The libuv callback of the engine thread's epoll set: reads and hands every datagram up.
void OnReadable(uv_poll_t* handle, int status, int events);

// Sends the first `n` descriptors JavaScript queued in the send array; returns how many
// failed (their status word holds the errno).
uint32_t FlushScriptSends(Batch* b, uint32_t n);

// Points send header i of `h` at a slot and a destination (port 0: the connected peer).
inline void SetSendHeader(Headers& h, uint8_t* slots, uint32_t slotSize, uint32_t i,
                          uint32_t slot, uint32_t length, uint32_t ip, uint32_t port) {
  h.siov[i].iov_base = slots + static_cast<size_t>(slot) * slotSize;
  h.siov[i].iov_len = length;
  msghdr& m = h.smsgs[i].msg_hdr;
  if (port == 0) {
    m.msg_name = nullptr;
    m.msg_namelen = 0;
  } else {
    h.snames[i].sin_addr.s_addr = htonl(ip);
    h.snames[i].sin_port = htons(static_cast<uint16_t>(port));
    m.msg_name = &h.snames[i];
    m.msg_namelen = sizeof(sockaddr_in);
  }
}

// Sends headers [i, end) of `h` out of `fd` with as few sendmmsg calls as the kernel allows;
// calls `failed(k, errno)` for each datagram it refused. Counts its calls in `sendCalls`.
template <typename OnFailure>
uint32_t SendRun(Headers& h, int fd, uint32_t i, uint32_t end, double* sendCalls,
                 OnFailure failed) {
  uint32_t failures = 0;
  while (i < end) {
    const int sent = fd < 0 ? -1 : sendmmsg(fd, &h.smsgs[i], end - i, MSG_DONTWAIT);
    if (fd >= 0) {
      *sendCalls += 1;
    }
    if (sent > 0) {
      i += static_cast<uint32_t>(sent);
      continue;
    }
    const int err = fd < 0 ? EBADF : (sent == 0 ? EIO : errno);
    if (err == EINTR) {
      continue;
    }
    // The first datagram of the run failed: mark it and go on with the next one.
    failed(i, err);
    failures++;
    i++;
  }
  return failures;
}

// The forwarding thread's body: waits on its epoll set until stopped.
void ForwardLoop(Batch* b);

// Starts the forwarding thread (once; its epoll set and eventfd must exist). Under `mu`.
bool StartForwarding(Batch* b);

// Stops and joins the forwarding thread; not under `mu`. Idempotent.
void StopForwarding(Batch* b);

}  // namespace udpbatch

#endif  // MEDIAPATH_BATCH_H_
