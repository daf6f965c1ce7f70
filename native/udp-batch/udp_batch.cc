// Batched UDP I/O for the relay (Linux): plain non-blocking IPv4 sockets, all registered in
// one epoll set that libuv watches through a single uv_poll_t. On each wake-up every ready
// socket is drained with recvmmsg into one shared buffer of fixed-size slots, and JavaScript
// is called once with the number of datagrams. JavaScript queues its sends as descriptors
// in a second shared array and calls flush(), which sends them with sendmmsg, one call per
// run of descriptors on the same socket.
//
// Shared memory, owned by JavaScript and passed to open():
//   recv  ArrayBuffer, `slots` slots of `slotSize` bytes; datagram i is in slot i.
//   meta  Uint32Array, 4 per datagram: socket index, length, source IPv4, source port.
//         The length is the datagram's real length (MSG_TRUNC), which may exceed slotSize.
//   send  Uint32Array, 8 per send: socket index, destination IPv4, port (0: connected),
//         slot, length, status (errno after flush, 0 when sent), two words for the caller.
// IPv4 addresses are host-order uint32 (127.0.0.1 = 0x7f000001).
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
#include <vector>

namespace {

constexpr uint32_t kMetaStride = 4;
constexpr uint32_t kSendStride = 8;
constexpr int kMaxEvents = 256;

struct Socket {
  int fd = -1;
  // Bumped on close: epoll events and indices of a closed socket are recognised as stale.
  uint32_t generation = 0;
};

struct Batch {
  napi_env env = nullptr;
  uv_poll_t poll;
  int epfd = -1;
  napi_ref callback = nullptr;
  napi_ref recvRef = nullptr;
  napi_ref metaRef = nullptr;
  napi_ref sendRef = nullptr;
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
  // recvmmsg/sendmmsg headers, set up once; entry i points at slot i.
  std::vector<mmsghdr> rmsgs;
  std::vector<iovec> riov;
  std::vector<sockaddr_in> rnames;
  std::vector<mmsghdr> smsgs;
  std::vector<iovec> siov;
  std::vector<sockaddr_in> snames;
  epoll_event events[kMaxEvents];
};

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

int SocketFd(const Batch* b, uint32_t index) {
  return index < b->sockets.size() ? b->sockets[index].fd : -1;
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
// The receive path.

// Calls the JavaScript callback once with the number of datagrams in the slots.
void Deliver(Batch* b, uint32_t count) {
  napi_env env = b->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    return;
  }
  napi_value cb, global, argv[1], result;
  if (napi_get_reference_value(env, b->callback, &cb) == napi_ok && cb != nullptr &&
      napi_get_global(env, &global) == napi_ok &&
      napi_create_uint32(env, count, &argv[0]) == napi_ok) {
    // make_callback, not call_function: microtasks and process.nextTick run afterwards,
    // as after any other I/O callback. A throw becomes an uncaught exception.
    if (napi_make_callback(env, b->async, global, cb, 1, argv, &result) ==
        napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  Batch* b = static_cast<Batch*>(handle->data);
  if (b->closing || status < 0) {
    return;
  }
  // Level-triggered: a socket that still holds datagrams after its turn (the batch was
  // full) is reported again on the next turn of the loop.
  const int ready = epoll_wait(b->epfd, b->events, kMaxEvents, 0);
  uint32_t count = 0;
  for (int e = 0; e < ready && !b->closing; e++) {
    const uint64_t tag = b->events[e].data.u64;
    const uint32_t index = static_cast<uint32_t>(tag);
    const uint32_t generation = static_cast<uint32_t>(tag >> 32);
    if (count == b->slots) {
      Deliver(b, count);
      count = 0;
      if (b->closing) {
        break;
      }
    }
    // The socket may have been closed (even its index reused) by the callback.
    if (index >= b->sockets.size() || b->sockets[index].generation != generation ||
        b->sockets[index].fd < 0) {
      continue;
    }
    const uint32_t room = b->slots - count;
    for (uint32_t i = count; i < count + room; i++) {
      b->rmsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    const int n = recvmmsg(b->sockets[index].fd, &b->rmsgs[count], room,
                           MSG_DONTWAIT | MSG_TRUNC, nullptr);
    // EAGAIN, or an error queued on a connected socket (ICMP): nothing to read now.
    if (n <= 0) {
      continue;
    }
    for (uint32_t i = count; i < count + static_cast<uint32_t>(n); i++) {
      uint32_t* m = b->meta + i * kMetaStride;
      m[0] = index;
      m[1] = b->rmsgs[i].msg_len;
      m[2] = ntohl(b->rnames[i].sin_addr.s_addr);
      m[3] = ntohs(b->rnames[i].sin_port);
    }
    count += static_cast<uint32_t>(n);
  }
  if (count > 0 && !b->closing) {
    Deliver(b, count);
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
  if (!b->tearingDown) {
    napi_async_destroy(env, b->async);
  }
  if (b->cleanupHook != nullptr) {
    napi_remove_async_cleanup_hook(b->cleanupHook);
  }
  delete b;
}

// Closes every socket and the epoll set; the Batch is freed once libuv let go of the poll.
void CloseAll(Batch* b) {
  if (b->closing) {
    return;
  }
  b->closing = true;
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

bool TypedArrayOf(napi_env env, napi_value v, uint32_t** data, size_t* length) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!Check(env, napi_get_typedarray_info(env, v, &type, length, &raw, &buffer, &offset))) {
    return false;
  }
  if (type != napi_uint32_array) {
    napi_throw_type_error(env, "ERR_UDP_BATCH", "udp-batch: expected a Uint32Array");
    return false;
  }
  *data = static_cast<uint32_t*>(raw);
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

  b->rmsgs.resize(slots);
  b->riov.resize(slots);
  b->rnames.resize(slots);
  b->smsgs.resize(slots);
  b->siov.resize(slots);
  b->snames.resize(slots);
  for (uint32_t i = 0; i < slots; i++) {
    b->riov[i].iov_base = b->recv + static_cast<size_t>(i) * slotSize;
    b->riov[i].iov_len = slotSize;
    msghdr& h = b->rmsgs[i].msg_hdr;
    memset(&h, 0, sizeof h);
    h.msg_iov = &b->riov[i];
    h.msg_iovlen = 1;
    h.msg_name = &b->rnames[i];
    h.msg_namelen = sizeof(sockaddr_in);
    memset(&b->smsgs[i], 0, sizeof(mmsghdr));
    memset(&b->snames[i], 0, sizeof(sockaddr_in));
    b->snames[i].sin_family = AF_INET;
    b->smsgs[i].msg_hdr.msg_iov = &b->siov[i];
    b->smsgs[i].msg_hdr.msg_iovlen = 1;
  }

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
  const int fd = SocketFd(b, index);
  if (fd < 0) {
    return nullptr;
  }
  epoll_ctl(b->epfd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  Socket& s = b->sockets[index];
  s.fd = -1;
  s.generation++;
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
  if (n > b->slots) {
    n = b->slots;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t* d = b->send + i * kSendStride;
    const uint32_t slot = d[3] < b->slots ? d[3] : 0;
    const uint32_t length = d[4] < b->slotSize ? d[4] : b->slotSize;
    b->siov[i].iov_base = b->recv + static_cast<size_t>(slot) * b->slotSize;
    b->siov[i].iov_len = length;
    msghdr& h = b->smsgs[i].msg_hdr;
    if (d[2] == 0) {
      h.msg_name = nullptr;
      h.msg_namelen = 0;
    } else {
      b->snames[i].sin_addr.s_addr = htonl(d[1]);
      b->snames[i].sin_port = htons(static_cast<uint16_t>(d[2]));
      h.msg_name = &b->snames[i];
      h.msg_namelen = sizeof(sockaddr_in);
    }
    d[5] = 0;
  }
  uint32_t failures = 0;
  uint32_t i = 0;
  while (i < n) {
    const uint32_t index = b->send[i * kSendStride];
    uint32_t end = i + 1;
    while (end < n && b->send[end * kSendStride] == index) {
      end++;
    }
    const int fd = b->closing ? -1 : SocketFd(b, index);
    while (i < end) {
      const int sent = fd < 0 ? -1 : sendmmsg(fd, &b->smsgs[i], end - i, MSG_DONTWAIT);
      if (sent > 0) {
        i += static_cast<uint32_t>(sent);
        continue;
      }
      const int err = fd < 0 ? EBADF : (sent == 0 ? EIO : errno);
      if (err == EINTR) {
        continue;
      }
      // The first datagram of the run failed: mark it and go on with the next one.
      b->send[i * kSendStride + 5] = static_cast<uint32_t>(err);
      failures++;
      i++;
    }
  }
  napi_value result;
  napi_create_uint32(env, failures, &result);
  return result;
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

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor functions[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bind", nullptr, Bind, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"close", nullptr, CloseSocket, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"flush", nullptr, Flush, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shutdown", nullptr, Shutdown, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
