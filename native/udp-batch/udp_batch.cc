// Batched UDP I/O for the relay (Linux): plain non-blocking IPv4 sockets in two epoll sets.
// The engine thread's set is watched by libuv through a single uv_poll_t: on each wake-up
// every ready socket is drained with recvmmsg into one shared buffer of fixed-size slots, and
// JavaScript is called once with the number of datagrams (batch_loop.cc); it queues its sends
// as descriptors in a second shared array and calls flush(), which sends them with sendmmsg,
// one call per run of descriptors on the same socket. The sockets of established streams are
// in the forwarding thread's set instead, which checks, counts and forwards their datagrams
// without JavaScript (forward_thread.cc, fast_path.h). The shared memory and the locking are
// described in batch.h.
//
// This file holds the functions JavaScript calls: open, bind, connect, close, flush,
// shutdown; tables, setFast, clearFast, pause and resume for native forwarding; ioCounters;
// and classify, statsRtp and statsJitter, which run the native classifier and statistics on
// test vectors. It must not know the relay's rules: JavaScript decides which streams are
// established.
//
// Nothing here allocates per datagram; the JavaScript side does not either. The module is
// context-aware (NAPI_MODULE_INIT, no global state), so worker threads load it too.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <vector>

#include "batch.h"
#include "fast_path.h"

namespace udpbatch {
namespace {

// ---------------------------------------------------------------------------------------
// Small helpers for the control calls (never on the per-datagram path).

bool Check(napi_env env, napi_status status) {
  if (status == napi_ok) {
    return true;
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    napi_throw_error(env, "ERR_UDP_BATCH", "udp-batch: bad arguments");
  }
  return false;
}

void ThrowErrno(napi_env env, const char* what, int err) {
  const char* code = uv_err_name(uv_translate_sys_error(err));
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, message);
}

// Reads up to `max` arguments; the first must be the handle made by open().
bool Args(napi_env env, napi_callback_info info, size_t max, napi_value* argv, Batch** batch) {
  size_t argc = max;
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) {
    return false;
  }
  if (argc < max) {
    napi_throw_type_error(env, "ERR_UDP_BATCH", "udp-batch: missing arguments");
    return false;
  }
  void* data = nullptr;
  if (!Check(env, napi_get_value_external(env, argv[0], &data))) {
    return false;
  }
  *batch = static_cast<Batch*>(data);
  return true;
}

bool Uint32Arg(napi_env env, napi_value v, uint32_t* out) {
  return Check(env, napi_get_value_uint32(env, v, out));
}

// The poll handle keeps the event loop alive only while sockets are open, as dgram
// sockets do.
void UpdateRef(Batch* b) {
  if (b->closing) {
    return;
  }
  if (b->openSockets > 0) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&b->poll));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(&b->poll));
  }
}

// ---------------------------------------------------------------------------------------
// Teardown.

void OnClosed(uv_handle_t* handle) {
  Batch* b = static_cast<Batch*>(handle->data);
  napi_env env = b->env;
  napi_delete_reference(env, b->callback);
  napi_delete_reference(env, b->recvRef);
  napi_delete_reference(env, b->metaRef);
  napi_delete_reference(env, b->sendRef);
  for (napi_ref r : {b->engineRef, b->legsRef, b->statsRef, b->clockRef}) {
    if (r != nullptr) {
      napi_delete_reference(env, r);
    }
  }
  if (!b->tearingDown) {
    napi_async_destroy(env, b->async);
  }
  if (b->cleanupHook != nullptr) {
    napi_remove_async_cleanup_hook(b->cleanupHook);
  }
  delete b;
}

// Stops the forwarding thread, closes every socket and the epoll set; the Batch is freed once
// libuv let go of the poll.
void CloseAll(Batch* b) {
  if (b->closing) {
    return;
  }
  b->closing = true;
  if (b->paused) {
    b->paused = false;
    b->mu.unlock();
  }
  StopForwarding(b);
  for (Socket& s : b->sockets) {
    if (s.fd >= 0) {
      close(s.fd);
      s.fd = -1;
    }
  }
  b->openSockets = 0;
  uv_poll_stop(&b->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&b->poll), OnClosed);
  close(b->epfd);
  b->epfd = -1;
}

// The environment goes away (process exit, worker terminated) without shutdown().
void OnEnvCleanup(napi_async_cleanup_hook_handle /*hook*/, void* arg) {
  Batch* b = static_cast<Batch*>(arg);
  b->tearingDown = true;
  if (b->closing) {
    // Already closing: OnClosed removes the hook.
    return;
  }
  CloseAll(b);
}

// ---------------------------------------------------------------------------------------
// Exported functions.

// The element type of a typed array argument, and its name for an error.
template <typename T>
struct TypedArrayKind;
template <>
struct TypedArrayKind<uint32_t> {
  static constexpr napi_typedarray_type type = napi_uint32_array;
  static constexpr const char* error = "udp-batch: expected a Uint32Array";
};
template <>
struct TypedArrayKind<double> {
  static constexpr napi_typedarray_type type = napi_float64_array;
  static constexpr const char* error = "udp-batch: expected a Float64Array";
};

// The data and length of a Uint32Array or Float64Array argument.
template <typename T>
bool TypedArrayOf(napi_env env, napi_value v, T** data, size_t* length) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!Check(env, napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset))) {
    return false;
  }
  if (type != TypedArrayKind<T>::type) {
    napi_throw_type_error(env, "ERR_UDP_BATCH", TypedArrayKind<T>::error);
    return false;
  }
  *data = static_cast<T*>(raw);
  return true;
}

// open(callback, recv: ArrayBuffer, meta: Uint32Array, send: Uint32Array, slotSize)
napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) {
    return nullptr;
  }
  napi_valuetype cbType = napi_undefined;
  void* recv = nullptr;
  size_t recvBytes = 0;
  uint32_t* meta = nullptr;
  uint32_t* send = nullptr;
  size_t metaLength = 0, sendLength = 0;
  uint32_t slotSize = 0;
  if (argc < 5 || !Check(env, napi_typeof(env, argv[0], &cbType)) ||
      !Check(env, napi_get_arraybuffer_info(env, argv[1], &recv, &recvBytes)) ||
      !TypedArrayOf(env, argv[2], &meta, &metaLength) ||
      !TypedArrayOf(env, argv[3], &send, &sendLength) || !Uint32Arg(env, argv[4], &slotSize)) {
    return nullptr;
  }
  const uint32_t slots = slotSize == 0 ? 0 : static_cast<uint32_t>(recvBytes / slotSize);
  if (cbType != napi_function || slots == 0 || metaLength < slots * kMetaStride ||
      sendLength < slots * kSendStride) {
    napi_throw_range_error(env, "ERR_UDP_BATCH", "udp-batch: bad buffer sizes");
    return nullptr;
  }
  const int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    ThrowErrno(env, "epoll_create1", errno);
    return nullptr;
  }
  uv_loop_t* loop = nullptr;
  if (!Check(env, napi_get_uv_event_loop(env, &loop))) {
    close(epfd);
    return nullptr;
  }

  Batch* b = new Batch();
  b->env = env;
  b->epfd = epfd;
  b->recv = static_cast<uint8_t*>(recv);
  b->meta = meta;
  b->send = send;
  b->slots = slots;
  b->slotSize = slotSize;
  // The references keep the shared memory alive as long as the Batch uses it.
  napi_create_reference(env, argv[0], 1, &b->callback);
  napi_create_reference(env, argv[1], 1, &b->recvRef);
  napi_create_reference(env, argv[2], 1, &b->metaRef);
  napi_create_reference(env, argv[3], 1, &b->sendRef);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "mediapath.udp-batch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &b->async);

  b->headers.Init(b->recv, slots, slotSize);

  uv_poll_init(loop, &b->poll, epfd);
  b->poll.data = b;
  uv_poll_start(&b->poll, UV_READABLE, OnReadable);
  UpdateRef(b);
  napi_add_async_cleanup_hook(env, OnEnvCleanup, b, &b->cleanupHook);

  napi_value handle;
  napi_create_external(env, b, nullptr, nullptr, &handle);
  return handle;
}

// bind(handle, ipv4, port, bufferBytes) -> [index, boundPort]; throws with an errno code.
napi_value Bind(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Batch* b = nullptr;
  uint32_t ip = 0, port = 0, bufferBytes = 0;
  if (!Args(env, info, 4, argv, &b) || !Uint32Arg(env, argv[1], &ip) ||
      !Uint32Arg(env, argv[2], &port) || !Uint32Arg(env, argv[3], &bufferBytes)) {
    return nullptr;
  }
  if (b->closing) {
    napi_throw_error(env, "ERR_UDP_BATCH_CLOSED", "udp-batch: closed");
    return nullptr;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ThrowErrno(env, "socket", errno);
    return nullptr;
  }
  if (bufferBytes > 0) {
    const int size = static_cast<int>(bufferBytes);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(ip);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t addrLen = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addrLen) != 0) {
    const int err = errno;
    close(fd);
    ThrowErrno(env, "bind", err);
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(b->mu);
  uint32_t index;
  if (!b->freeIndices.empty()) {
    index = b->freeIndices.back();
    b->freeIndices.pop_back();
  } else {
    index = static_cast<uint32_t>(b->sockets.size());
    b->sockets.emplace_back();
  }
  Socket& s = b->sockets[index];
  epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = (static_cast<uint64_t>(s.generation) << 32) | index;
  if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int err = errno;
    close(fd);
    b->freeIndices.push_back(index);
    ThrowErrno(env, "epoll_ctl", err);
    return nullptr;
  }
  s.fd = fd;
  b->openSockets++;
  UpdateRef(b);

  napi_value result, v;
  napi_create_array_with_length(env, 2, &result);
  napi_create_uint32(env, index, &v);
  napi_set_element(env, result, 0, v);
  napi_create_uint32(env, ntohs(addr.sin_port), &v);
  napi_set_element(env, result, 1, v);
  return result;
}

// connect(handle, index, ipv4, port): the kernel then only delivers datagrams from there.
// ipv4 0 and port 0 dissolve the association again.
napi_value Connect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Batch* b = nullptr;
  uint32_t index = 0, ip = 0, port = 0;
  if (!Args(env, info, 4, argv, &b) || !Uint32Arg(env, argv[1], &index) ||
      !Uint32Arg(env, argv[2], &ip) || !Uint32Arg(env, argv[3], &port)) {
    return nullptr;
  }
  const int fd = SocketFd(b, index);
  if (fd < 0) {
    ThrowErrno(env, "connect", EBADF);
    return nullptr;
  }
  sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = ip == 0 && port == 0 ? AF_UNSPEC : AF_INET;
  addr.sin_addr.s_addr = htonl(ip);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ThrowErrno(env, "connect", errno);
  }
  return nullptr;
}

// close(handle, index): closes one socket. Unknown or closed indices are ignored.
napi_value CloseSocket(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Batch* b = nullptr;
  uint32_t index = 0;
  if (!Args(env, info, 2, argv, &b) || !Uint32Arg(env, argv[1], &index)) {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(b->mu);
  const int fd = SocketFd(b, index);
  if (fd < 0) {
    return nullptr;
  }
  Socket& s = b->sockets[index];
  epoll_ctl(s.forwarded ? b->fwdEpfd : b->epfd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  s.fd = -1;
  s.generation++;
  s.forwarded = false;
  s.fast = fastpath::Entry();
  b->freeIndices.push_back(index);
  b->openSockets--;
  UpdateRef(b);
  return nullptr;
}

// flush(handle, n) -> failures: sends the first n descriptors of the send array, with one
// sendmmsg per run of descriptors on the same socket. Each descriptor's status word is set
// to 0 or the errno of its failed send.
napi_value Flush(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Batch* b = nullptr;
  uint32_t n = 0;
  if (!Args(env, info, 2, argv, &b) || !Uint32Arg(env, argv[1], &n)) {
    return nullptr;
  }
  napi_value result;
  napi_create_uint32(env, FlushScriptSends(b, n), &result);
  return result;
}

// ---------------------------------------------------------------------------------------
// Native forwarding of established streams.

bool DoubleArg(napi_env env, napi_value v, double* out) {
  return Check(env, napi_get_value_double(env, v, out));
}

// tables(handle, engine, legs, stats, maxLength, nowMs, clockCell | null): turns native
// forwarding on and starts the forwarding thread. `engine` is the thread's own engine
// counters, `legs` and `stats` the engine's leg counters and statistics (Float64Arrays,
// updated in place for the legs the thread owns). `nowMs` is the engine's clock now: the
// thread's arrival times are the monotonic clock shifted onto it, or, with a clock cell (a
// Float64Array of one), whatever the engine last wrote there.
napi_value Tables(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  Batch* b = nullptr;
  double* engine = nullptr;
  double* legs = nullptr;
  double* stats = nullptr;
  size_t engineLength = 0, legsLength = 0, statsLength = 0;
  uint32_t maxLength = 0;
  double nowMs = 0;
  if (!Args(env, info, 7, argv, &b) || !TypedArrayOf(env, argv[1], &engine, &engineLength) ||
      !TypedArrayOf(env, argv[2], &legs, &legsLength) ||
      !TypedArrayOf(env, argv[3], &stats, &statsLength) || !Uint32Arg(env, argv[4], &maxLength) ||
      !DoubleArg(env, argv[5], &nowMs)) {
    return nullptr;
  }
  const uint64_t hr = uv_hrtime();
  napi_valuetype cellType = napi_null;
  double* cell = nullptr;
  size_t cellLength = 0;
  if (!Check(env, napi_typeof(env, argv[6], &cellType)) ||
      (cellType != napi_null && !TypedArrayOf(env, argv[6], &cell, &cellLength))) {
    return nullptr;
  }
  if (b->native || b->closing || engineLength < fastpath::kEngineCounters ||
      (cell != nullptr && cellLength < 1) || maxLength > b->slotSize) {
    napi_throw_range_error(env, "ERR_UDP_BATCH", "udp-batch: bad tables");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(b->mu);
  if (!StartForwarding(b)) {
    ThrowErrno(env, "forwarding thread", errno);
    return nullptr;
  }
  napi_create_reference(env, argv[1], 1, &b->engineRef);
  napi_create_reference(env, argv[2], 1, &b->legsRef);
  napi_create_reference(env, argv[3], 1, &b->statsRef);
  if (cell != nullptr) {
    napi_create_reference(env, argv[6], 1, &b->clockRef);
  }
  b->tables.engine = engine;
  b->tables.legs = legs;
  b->tables.legRows = legsLength / fastpath::kLegStride;
  b->tables.stats = stats;
  b->tables.statsRows = statsLength / fastpath::kStatsStride;
  b->tables.maxLength = maxLength;
  b->clockOffsetMs = nowMs - static_cast<double>(hr) / 1e6;
  b->clockCell = cell;
  b->native = true;
  return nullptr;
}

// Moves socket `s` (index `index`) into the forwarding thread's epoll set or back into the
// engine thread's. Under the lock.
bool MoveSocket(Batch* b, Socket& s, uint32_t index, bool forwarded) {
  if (s.forwarded == forwarded) {
    return true;
  }
  epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = (static_cast<uint64_t>(s.generation) << 32) | index;
  const int from = forwarded ? b->epfd : b->fwdEpfd;
  const int to = forwarded ? b->fwdEpfd : b->epfd;
  if (epoll_ctl(to, EPOLL_CTL_ADD, s.fd, &ev) != 0) {
    return false;
  }
  epoll_ctl(from, EPOLL_CTL_DEL, s.fd, nullptr);
  s.forwarded = forwarded;
  return true;
}

// setFast(handle, index, srcIp, srcPort, outIndex, dstIp, dstPort, row, unitsPerMs) -> bool:
// socket `index` receives an established stream, and the forwarding thread takes it: valid
// RTP and RTCP from srcIp:srcPort are counted on `row` and sent out of socket `outIndex` to
// dstIp:dstPort (port 0: its connected peer); anything else is dropped and counted on `row`
// by verdict. False when either socket is closed (nothing changes then).
napi_value SetFast(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  Batch* b = nullptr;
  uint32_t index = 0, srcIp = 0, srcPort = 0, outIndex = 0, dstIp = 0, dstPort = 0, row = 0;
  double unitsPerMs = 0;
  if (!Args(env, info, 9, argv, &b) || !Uint32Arg(env, argv[1], &index) ||
      !Uint32Arg(env, argv[2], &srcIp) || !Uint32Arg(env, argv[3], &srcPort) ||
      !Uint32Arg(env, argv[4], &outIndex) || !Uint32Arg(env, argv[5], &dstIp) ||
      !Uint32Arg(env, argv[6], &dstPort) || !Uint32Arg(env, argv[7], &row) ||
      !DoubleArg(env, argv[8], &unitsPerMs)) {
    return nullptr;
  }
  if (!b->native || row >= b->tables.legRows || row >= b->tables.statsRows) {
    napi_throw_range_error(env, "ERR_UDP_BATCH", "udp-batch: bad established stream");
    return nullptr;
  }
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(b->mu);
    if (!b->closing && SocketFd(b, index) >= 0 && SocketFd(b, outIndex) >= 0) {
      Socket& s = b->sockets[index];
      fastpath::Entry& e = s.fast;
      e.srcIp = srcIp;
      e.srcPort = srcPort;
      e.outIndex = outIndex;
      e.outGeneration = b->sockets[outIndex].generation;
      e.dstIp = dstIp;
      e.dstPort = dstPort;
      e.row = row;
      e.unitsPerMs = unitsPerMs;
      e.on = MoveSocket(b, s, index, true);
      done = e.on;
    }
  }
  napi_value result;
  napi_get_boolean(env, done, &result);
  return result;
}

// clearFast(handle, index): socket `index` goes back to the engine thread; every datagram
// goes up to JavaScript again. Returns once the forwarding thread let go of it.
napi_value ClearFast(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Batch* b = nullptr;
  uint32_t index = 0;
  if (!Args(env, info, 2, argv, &b) || !Uint32Arg(env, argv[1], &index)) {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(b->mu);
  if (index < b->sockets.size()) {
    Socket& s = b->sockets[index];
    s.fast.on = false;
    if (s.fd >= 0 && !b->closing) {
      MoveSocket(b, s, index, false);
    }
  }
  return nullptr;
}

// pause(handle): the forwarding thread waits (after its current wake-up) until resume(), so
// that JavaScript reads the tables of the legs it owns at one moment. Not reentrant.
napi_value Pause(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Batch* b = nullptr;
  if (!Args(env, info, 1, argv, &b)) {
    return nullptr;
  }
  if (!b->paused && !b->closing) {
    b->mu.lock();
    b->paused = true;
  }
  return nullptr;
}

// resume(handle): ends pause().
napi_value Resume(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Batch* b = nullptr;
  if (!Args(env, info, 1, argv, &b)) {
    return nullptr;
  }
  if (b->paused) {
    b->paused = false;
    b->mu.unlock();
  }
  return nullptr;
}

// ioCounters(handle) -> [engine thread wake-ups, forwarding thread wake-ups, datagrams
// received, forwarded natively, dropped natively, handed to JavaScript, calls into
// JavaScript, sendmmsg calls], since open().
napi_value IoCountersOf(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Batch* b = nullptr;
  if (!Args(env, info, 1, argv, &b)) {
    return nullptr;
  }
  IoCounters f;
  {
    std::unique_lock<std::mutex> lock(b->mu, std::defer_lock);
    if (!b->paused) {
      lock.lock();
    }
    f = b->fwdIo;
  }
  const IoCounters& m = b->io;
  const double values[] = {m.wakeups,
                           f.wakeups,
                           m.received + f.received,
                           f.forwardedNatively,
                           f.droppedNatively,
                           m.toScript,
                           m.scriptCalls,
                           m.sendCalls + f.sendCalls};
  const uint32_t n = sizeof values / sizeof values[0];
  napi_value result, v;
  napi_create_array_with_length(env, n, &result);
  for (uint32_t i = 0; i < n; i++) {
    napi_create_double(env, values[i], &v);
    napi_set_element(env, result, i, v);
  }
  return result;
}

// classify(bytes: Uint8Array, length, maxLength) -> verdict: the native classifier, for the
// tests that hold it to the same vectors as classifier.ts.
napi_value ClassifyBytes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr))) {
    return nullptr;
  }
  napi_typedarray_type type;
  void* raw = nullptr;
  size_t length = 0, offset = 0;
  napi_value buffer;
  uint32_t len = 0, maxLength = 0;
  if (argc < 3 ||
      !Check(env, napi_get_typedarray_info(env, argv[0], &type, &length, &raw, &buffer, &offset)) ||
      !Uint32Arg(env, argv[1], &len) || !Uint32Arg(env, argv[2], &maxLength)) {
    return nullptr;
  }
  if (type != napi_uint8_array || (len > length && len <= maxLength)) {
    napi_throw_range_error(env, "ERR_UDP_BATCH", "udp-batch: bad bytes");
    return nullptr;
  }
  napi_value result;
  napi_create_int32(env, fastpath::Classify(static_cast<uint8_t*>(raw), len, maxLength), &result);
  return result;
}

// The slab and row of a statistics test call; false (with an exception) when they do not fit.
bool StatsRow(napi_env env, napi_value slabArg, napi_value rowArg, double** slab, uint32_t* row) {
  size_t length = 0;
  if (!TypedArrayOf(env, slabArg, slab, &length) || !Uint32Arg(env, rowArg, row)) {
    return false;
  }
  if ((static_cast<size_t>(*row) + 1) * fastpath::kStatsStride > length) {
    napi_throw_range_error(env, "ERR_UDP_BATCH", "udp-batch: bad row");
    return false;
  }
  return true;
}

// statsRtp(slab, row, ssrc, seq, bytes) -> 0 | 1: the native RFC 3550 A.1 on a row of a
// statistics slab, for the tests that hold it to the vectors of stats.ts.
napi_value StatsRtp(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  double* slab = nullptr;
  uint32_t row = 0, seq = 0;
  double ssrc = 0, bytes = 0;
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr)) || argc < 5 ||
      !StatsRow(env, argv[0], argv[1], &slab, &row) || !DoubleArg(env, argv[2], &ssrc) ||
      !Uint32Arg(env, argv[3], &seq) || !DoubleArg(env, argv[4], &bytes)) {
    return nullptr;
  }
  napi_value result;
  napi_create_int32(env, fastpath::StatsOnRtp(slab, row, ssrc, static_cast<int>(seq & 0xffff), bytes),
                    &result);
  return result;
}

// statsJitter(slab, row, rtpTimestamp, arrival): the native RFC 3550 A.8, for tests.
napi_value StatsJitter(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  double* slab = nullptr;
  uint32_t row = 0;
  double timestamp = 0, arrival = 0;
  if (!Check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr)) || argc < 4 ||
      !StatsRow(env, argv[0], argv[1], &slab, &row) || !DoubleArg(env, argv[2], &timestamp) ||
      !DoubleArg(env, argv[3], &arrival)) {
    return nullptr;
  }
  fastpath::StatsOnJitter(slab, row, timestamp, arrival);
  return nullptr;
}

// shutdown(handle): closes every socket and the epoll set. Idempotent.
napi_value Shutdown(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Batch* b = nullptr;
  if (!Args(env, info, 1, argv, &b)) {
    return nullptr;
  }
  CloseAll(b);
  return nullptr;
}

}  // namespace
}  // namespace udpbatch

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  using namespace udpbatch;
  const napi_property_descriptor functions[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bind", nullptr, Bind, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"close", nullptr, CloseSocket, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"flush", nullptr, Flush, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shutdown", nullptr, Shutdown, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"tables", nullptr, Tables, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setFast", nullptr, SetFast, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"clearFast", nullptr, ClearFast, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pause", nullptr, Pause, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"resume", nullptr, Resume, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"ioCounters", nullptr, IoCountersOf, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"classify", nullptr, ClassifyBytes, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"statsRtp", nullptr, StatsRtp, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"statsJitter", nullptr, StatsJitter, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
