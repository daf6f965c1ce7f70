// The packet path of the batched UDP addon, run by libuv on the engine's thread: on each
// wake-up every ready socket is drained with recvmmsg into the shared slots; a datagram of an
// established stream (see fast_path.h) is checked, counted and sent here, with one sendmmsg
// for the datagrams a socket gave (they all leave by the same other socket) right after its
// read; every other datagram is described in the meta array, and JavaScript is called once
// with their number at the end of the wake-up. A wake-up whose datagrams were all forwarded
// natively makes no call into JavaScript.
//
// This file must not know the relay's rules beyond the established entries it is given:
// sources, learning, sessions and drops by reason belong to the JavaScript stages. Nothing
// here allocates per datagram.
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <cmath>

#include "batch.h"

namespace udpbatch {
namespace {

// Calls the JavaScript callback once with the number of datagrams described in meta.
void Deliver(Batch* b, uint32_t count) {
  napi_env env = b->env;
  b->io.scriptCalls += 1;
  b->io.toScript += count;
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

// The arrival time of this wake-up's datagrams, in the engine's clock milliseconds.
double NowMs(const Batch* b) {
  if (b->clockCell != nullptr) {
    return *b->clockCell;
  }
  return static_cast<double>(uv_hrtime()) / 1e6 + b->clockOffsetMs;
}

// The entry's out socket, when it is still the one the entry was set with.
int OutFd(const Batch* b, const fastpath::Entry& e) {
  if (e.outIndex >= b->sockets.size()) {
    return -1;
  }
  const Socket& out = b->sockets[e.outIndex];
  return out.generation == e.outGeneration ? out.fd : -1;
}

// Points send header i at a slot and a destination (port 0: the connected peer).
void SetSendHeader(Batch* b, uint32_t i, uint32_t slot, uint32_t length, uint32_t ip,
                   uint32_t port) {
  b->siov[i].iov_base = b->recv + static_cast<size_t>(slot) * b->slotSize;
  b->siov[i].iov_len = length;
  msghdr& h = b->smsgs[i].msg_hdr;
  if (port == 0) {
    h.msg_name = nullptr;
    h.msg_namelen = 0;
  } else {
    b->snames[i].sin_addr.s_addr = htonl(ip);
    b->snames[i].sin_port = htons(static_cast<uint16_t>(port));
    h.msg_name = &b->snames[i];
    h.msg_namelen = sizeof(sockaddr_in);
  }
}

// Sends headers [i, end) out of `fd` with as few sendmmsg calls as the kernel allows; calls
// `failed(k, errno)` for each datagram it refused.
template <typename OnFailure>
uint32_t SendRun(Batch* b, int fd, uint32_t i, uint32_t end, OnFailure failed) {
  uint32_t failures = 0;
  while (i < end) {
    const int sent = fd < 0 ? -1 : sendmmsg(fd, &b->smsgs[i], end - i, MSG_DONTWAIT);
    if (fd >= 0) {
      b->io.sendCalls += 1;
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

// Sends the native forwards of this wake-up; a refused send is counted as send-failed.
void FlushFast(Batch* b) {
  const uint32_t n = b->fastQueued;
  b->fastQueued = 0;
  for (uint32_t i = 0; i < n; i++) {
    const FastSend& f = b->fastSends[i];
    SetSendHeader(b, i, f.slot, f.length, f.ip, f.port);
  }
  uint32_t i = 0;
  while (i < n) {
    const uint32_t out = b->fastSends[i].out;
    uint32_t end = i + 1;
    while (end < n && b->fastSends[end].out == out) {
      end++;
    }
    SendRun(b, b->closing ? -1 : SocketFd(b, out), i, end, [b](uint32_t k, int) {
      const FastSend& f = b->fastSends[k];
      fastpath::CountSendFailed(b->tables, f.row, f.length, f.cls);
    });
    i = end;
  }
}

// Forwards datagram `slot` natively when it belongs to the established stream of socket `s`;
// false when it must go up to JavaScript.
bool ForwardNatively(Batch* b, const Socket& s, uint32_t slot, uint32_t length, uint32_t ip,
                     uint32_t port, double* nowMs) {
  const fastpath::Entry& e = s.fast;
  if (!e.on || ip != e.srcIp || port != e.srcPort || OutFd(b, e) < 0) {
    return false;
  }
  const uint8_t* buf = b->recv + static_cast<size_t>(slot) * b->slotSize;
  const int cls = fastpath::Classify(buf, length, b->tables.maxLength);
  if (cls > fastpath::kRtcp) {
    return false;
  }
  if (std::isnan(*nowMs)) {
    *nowMs = NowMs(b);
  }
  fastpath::CountForward(b->tables, e, buf, length, cls, *nowMs);
  FastSend& f = b->fastSends[b->fastQueued++];
  f.out = e.outIndex;
  f.ip = e.dstIp;
  f.port = e.dstPort;
  f.slot = slot;
  f.length = length;
  f.row = e.row;
  f.cls = cls;
  b->io.forwardedNatively += 1;
  return true;
}

// Ends a batch: the native forwards go out first, then JavaScript gets the rest.
void EndBatch(Batch* b, uint32_t toScript) {
  if (b->fastQueued > 0) {
    FlushFast(b);
  }
  if (toScript > 0 && !b->closing) {
    Deliver(b, toScript);
  }
}

}  // namespace

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  Batch* b = static_cast<Batch*>(handle->data);
  if (b->closing || status < 0) {
    return;
  }
  b->io.wakeups += 1;
  // Level-triggered: a socket that still holds datagrams after its turn (the batch was
  // full) is reported again on the next turn of the loop.
  const int ready = epoll_wait(b->epfd, b->events, kMaxEvents, 0);
  uint32_t count = 0;
  uint32_t toScript = 0;
  // Read once per wake-up, when the first datagram forwarded natively needs it.
  double nowMs = NAN;
  for (int e = 0; e < ready && !b->closing; e++) {
    const uint64_t tag = b->events[e].data.u64;
    const uint32_t index = static_cast<uint32_t>(tag);
    const uint32_t generation = static_cast<uint32_t>(tag >> 32);
    if (count == b->slots) {
      EndBatch(b, toScript);
      count = 0;
      toScript = 0;
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
    b->io.received += n;
    const Socket& s = b->sockets[index];
    for (uint32_t i = count; i < count + static_cast<uint32_t>(n); i++) {
      const uint32_t length = b->rmsgs[i].msg_len;
      const uint32_t ip = ntohl(b->rnames[i].sin_addr.s_addr);
      const uint32_t port = ntohs(b->rnames[i].sin_port);
      if (b->native && ForwardNatively(b, s, i, length, ip, port, &nowMs)) {
        continue;
      }
      uint32_t* m = b->meta + toScript * kMetaStride;
      m[0] = index;
      m[1] = length;
      m[2] = ip;
      m[3] = port;
      m[4] = i;
      toScript++;
    }
    count += static_cast<uint32_t>(n);
    // This socket's native forwards leave at once (they all go out of one socket, so one
    // sendmmsg either way), rather than after the other sockets' reads.
    if (b->fastQueued > 0) {
      FlushFast(b);
    }
  }
  if (!b->closing) {
    EndBatch(b, toScript);
  }
}

uint32_t FlushScriptSends(Batch* b, uint32_t n) {
  if (n > b->slots) {
    n = b->slots;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t* d = b->send + i * kSendStride;
    const uint32_t slot = d[3] < b->slots ? d[3] : 0;
    const uint32_t length = d[4] < b->slotSize ? d[4] : b->slotSize;
    SetSendHeader(b, i, slot, length, d[1], d[2]);
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
    failures += SendRun(b, b->closing ? -1 : SocketFd(b, index), i, end, [b](uint32_t k, int err) {
      b->send[k * kSendStride + 5] = static_cast<uint32_t>(err);
    });
    i = end;
  }
  return failures;
}

}  // namespace udpbatch
