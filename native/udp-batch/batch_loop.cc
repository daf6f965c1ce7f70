// The engine thread's packet path of the batched UDP addon, run by libuv: on each wake-up
// every ready socket of the engine's epoll set is drained with recvmmsg into the shared
// slots, and JavaScript is called once with the number of datagrams; the sends it queues go
// out with flush() (sendmmsg, one call per run of descriptors on the same socket). The
// sockets of established streams are not in this set: the forwarding thread has them
// (forward_thread.cc).
//
// This file must not know the relay's rules: the JavaScript stages decide every datagram
// that comes this way. Nothing here allocates per datagram.
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "batch.h"

namespace udpbatch {
namespace {

// Calls the JavaScript callback once with the number of datagrams in the slots.
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

}  // namespace

void Headers::Init(uint8_t* slots, uint32_t count, uint32_t slotSize) {
  rmsgs.resize(count);
  riov.resize(count);
  rnames.resize(count);
  smsgs.resize(count);
  siov.resize(count);
  snames.resize(count);
  for (uint32_t i = 0; i < count; i++) {
    riov[i].iov_base = slots + static_cast<size_t>(i) * slotSize;
    riov[i].iov_len = slotSize;
    msghdr& h = rmsgs[i].msg_hdr;
    memset(&h, 0, sizeof h);
    h.msg_iov = &riov[i];
    h.msg_iovlen = 1;
    h.msg_name = &rnames[i];
    h.msg_namelen = sizeof(sockaddr_in);
    memset(&smsgs[i], 0, sizeof(mmsghdr));
    memset(&snames[i], 0, sizeof(sockaddr_in));
    snames[i].sin_family = AF_INET;
    smsgs[i].msg_hdr.msg_iov = &siov[i];
    smsgs[i].msg_hdr.msg_iovlen = 1;
  }
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  Batch* b = static_cast<Batch*>(handle->data);
  if (b->closing || status < 0) {
    return;
  }
  b->io.wakeups += 1;
  Headers& h = b->headers;
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
    // The socket may have been closed (even its index reused) by the callback, or handed
    // to the forwarding thread: only the engine thread changes either, so no lock here.
    if (index >= b->sockets.size() || b->sockets[index].generation != generation ||
        b->sockets[index].fd < 0 || b->sockets[index].forwarded) {
      continue;
    }
    const uint32_t room = b->slots - count;
    for (uint32_t i = count; i < count + room; i++) {
      h.rmsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    }
    const int n = recvmmsg(b->sockets[index].fd, &h.rmsgs[count], room,
                           MSG_DONTWAIT | MSG_TRUNC, nullptr);
    // EAGAIN, or an error queued on a connected socket (ICMP): nothing to read now.
    if (n <= 0) {
      continue;
    }
    b->io.received += n;
    for (uint32_t i = count; i < count + static_cast<uint32_t>(n); i++) {
      uint32_t* m = b->meta + i * kMetaStride;
      m[0] = index;
      m[1] = h.rmsgs[i].msg_len;
      m[2] = ntohl(h.rnames[i].sin_addr.s_addr);
      m[3] = ntohs(h.rnames[i].sin_port);
    }
    count += static_cast<uint32_t>(n);
  }
  if (count > 0 && !b->closing) {
    Deliver(b, count);
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
    SetSendHeader(b->headers, b->recv, b->slotSize, i, slot, length, d[1], d[2]);
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
    failures += SendRun(b->headers, fd, i, end, &b->io.sendCalls, [b](uint32_t k, int err) {
      b->send[k * kSendStride + 5] = static_cast<uint32_t>(err);
    });
    i = end;
  }
  return failures;
}

}  // namespace udpbatch
