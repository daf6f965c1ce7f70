// The forwarding thread of one batch context: the data plane of established streams. It
// sleeps in epoll_wait on its own epoll set, which holds only the sockets JavaScript declared
// established (setFast), and on each wake-up, holding the context's lock, drains every ready
// socket with recvmmsg into its own slots; each datagram is classified and its source
// checked as the JavaScript stages would (fast_path.h), then counted and either dropped (by
// verdict) or queued; the socket's forwards leave together with one sendmmsg out of the other
// leg's socket. A send the kernel refuses is counted as send-failed.
//
// Neither libuv nor JavaScript is on this path: the engine thread's event loop, its calls
// into JavaScript and its garbage collections do not delay a forward, and no JavaScript runs
// per datagram or per wake-up. Control calls (which take the lock) wait at most one wake-up.
//
// This file must not know Node-API or the relay's learning, sessions or events.
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmath>

#include "batch.h"

namespace udpbatch {
namespace {

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

// Reads one ready socket of an established stream, decides each datagram and sends the
// forwards. Under the lock.
void ForwardSocket(Batch* b, const Socket& s, double* nowMs) {
  Headers& h = b->fwdHeaders;
  // recvmmsg rewrote the address lengths of the entries it filled last time, only those.
  for (uint32_t i = 0; i < b->fwdFilled; i++) {
    h.rmsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  }
  const int n = recvmmsg(s.fd, h.rmsgs.data(), b->slots, MSG_DONTWAIT | MSG_TRUNC, nullptr);
  b->fwdFilled = n > 0 ? static_cast<uint32_t>(n) : 0;
  if (n <= 0) {
    return;
  }
  b->fwdIo.received += n;
  const fastpath::Entry& e = s.fast;
  const fastpath::Tables& t = b->tables;
  // The engine clears both legs' entries before it closes either socket; an entry whose out
  // socket is gone anyway belongs to a session being closed.
  const int out = OutFd(b, e);
  uint32_t queued = 0;
  for (uint32_t i = 0; i < static_cast<uint32_t>(n); i++) {
    const uint32_t length = h.rmsgs[i].msg_len;
    const uint8_t* buf = b->fwdRecv.data() + static_cast<size_t>(i) * b->slotSize;
    int verdict = fastpath::Verdict(e, buf, length, ntohl(h.rnames[i].sin_addr.s_addr),
                                    ntohs(h.rnames[i].sin_port), t.maxLength);
    if (verdict <= fastpath::kRtcp && out < 0) {
      verdict = fastpath::kInactive;
    }
    if (verdict > fastpath::kRtcp) {
      fastpath::CountDrop(t, e.row, verdict);
      b->fwdIo.droppedNatively += 1;
      continue;
    }
    if (std::isnan(*nowMs)) {
      *nowMs = NowMs(b);
    }
    fastpath::CountForward(t, e, buf, length, verdict, *nowMs);
    FastSend& f = b->fwdSends[queued++];
    f.slot = i;
    f.length = length;
    f.ip = e.dstIp;
    f.port = e.dstPort;
    f.cls = verdict;
  }
  if (queued == 0) {
    return;
  }
  for (uint32_t k = 0; k < queued; k++) {
    const FastSend& f = b->fwdSends[k];
    SetSendHeader(h, b->fwdRecv.data(), b->slotSize, k, f.slot, f.length, f.ip, f.port);
  }
  b->fwdIo.forwardedNatively += queued;
  const uint32_t row = e.row;
  SendRun(h, out, 0, queued, &b->fwdIo.sendCalls, [b, row](uint32_t k, int) {
    const FastSend& f = b->fwdSends[k];
    fastpath::CountSendFailed(b->tables, row, f.length, f.cls);
    b->fwdIo.forwardedNatively -= 1;
  });
}

}  // namespace

void ForwardLoop(Batch* b) {
  for (;;) {
    const int ready = epoll_wait(b->fwdEpfd, b->fwdEvents, kMaxEvents, -1);
    std::lock_guard<std::mutex> lock(b->mu);
    if (b->stopping) {
      return;
    }
    if (ready <= 0) {
      // EINTR; any other error of epoll_wait on a valid set is not expected.
      continue;
    }
    b->fwdIo.wakeups += 1;
    // Read once per wake-up, when the first forward needs it.
    double nowMs = NAN;
    for (int e = 0; e < ready; e++) {
      const uint64_t tag = b->fwdEvents[e].data.u64;
      if (tag == kWakeTag) {
        uint64_t value;
        if (read(b->wakeFd, &value, sizeof value) < 0) {
          // Already drained: nothing to do.
        }
        continue;
      }
      const uint32_t index = static_cast<uint32_t>(tag);
      const uint32_t generation = static_cast<uint32_t>(tag >> 32);
      // Closed, reused, or handed back to the engine thread since epoll_wait returned.
      if (index >= b->sockets.size()) {
        continue;
      }
      const Socket& s = b->sockets[index];
      if (s.generation != generation || s.fd < 0 || !s.forwarded || !s.fast.on) {
        continue;
      }
      ForwardSocket(b, s, &nowMs);
    }
  }
}

bool StartForwarding(Batch* b) {
  if (b->threadRunning) {
    return true;
  }
  b->fwdEpfd = epoll_create1(EPOLL_CLOEXEC);
  b->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev;
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (b->fwdEpfd < 0 || b->wakeFd < 0 || epoll_ctl(b->fwdEpfd, EPOLL_CTL_ADD, b->wakeFd, &ev) != 0) {
    if (b->fwdEpfd >= 0) {
      close(b->fwdEpfd);
    }
    if (b->wakeFd >= 0) {
      close(b->wakeFd);
    }
    b->fwdEpfd = -1;
    b->wakeFd = -1;
    return false;
  }
  b->fwdRecv.assign(static_cast<size_t>(b->slots) * b->slotSize, 0);
  b->fwdHeaders.Init(b->fwdRecv.data(), b->slots, b->slotSize);
  b->fwdSends.resize(b->slots);
  b->stopping = false;
  b->thread = std::thread(ForwardLoop, b);
  b->threadRunning = true;
  return true;
}

void StopForwarding(Batch* b) {
  if (!b->threadRunning) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(b->mu);
    b->stopping = true;
  }
  const uint64_t one = 1;
  if (write(b->wakeFd, &one, sizeof one) < 0) {
    // The counter is full: the thread is woken anyway.
  }
  b->thread.join();
  b->threadRunning = false;
  close(b->fwdEpfd);
  close(b->wakeFd);
  b->fwdEpfd = -1;
  b->wakeFd = -1;
}

}  // namespace udpbatch
