/*
 * The floor for the relay benchmark: the least a UDP relay can do in user space. Two sockets
 * per call; every datagram received on one is sent on from the other to the peer given at
 * allocation. One epoll set, recvmmsg into a batch, sendmmsg per socket; no checks, no
 * counters, no classification. What mediapath's relay costs above this is the cost of being a
 * real relay (source checks, RTP/RTCP classification, per-stream statistics) and of
 * JavaScript.
 *
 * Control on stdin, one line per request, answers on stdout:
 *   "alloc A_IP A_PORT B_IP B_PORT" -> "ok ID A_PORT_LOCAL B_PORT_LOCAL"
 *   "free ID"                       -> "ok"
 * It exits when stdin closes. Built by perf/c-relay.js with the system's C compiler.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define MAX_CALLS 4096

struct leg {
  int fd;
  struct sockaddr_in peer; /* where datagrams received on the other leg go */
  struct leg *other;
};

static struct leg legs[MAX_CALLS][2];
static char bufs[BATCH][2048];

static int bind_leg(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    return -1;
  }
  return fd;
}

static int port_of(int fd) {
  struct sockaddr_in a;
  socklen_t n = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &n);
  return ntohs(a.sin_port);
}

static void control(int ep) {
  char line[256];
  if (!fgets(line, sizeof line, stdin)) {
    exit(0);
  }
  char ipa[64], ipb[64];
  int pa, pb, id;
  if (sscanf(line, "alloc %63s %d %63s %d", ipa, &pa, ipb, &pb) == 4) {
    for (id = 0; id < MAX_CALLS && legs[id][0].fd > 0; id++) {
    }
    struct leg *a = &legs[id][0], *b = &legs[id][1];
    a->fd = bind_leg();
    b->fd = bind_leg();
    /* Leg A faces peer A: what arrives on B is sent from A to peer A, and the reverse. */
    a->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(pa)};
    b->peer = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(pb)};
    inet_pton(AF_INET, ipa, &a->peer.sin_addr);
    inet_pton(AF_INET, ipb, &b->peer.sin_addr);
    a->other = b;
    b->other = a;
    for (int i = 0; i < 2; i++) {
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &legs[id][i]};
      epoll_ctl(ep, EPOLL_CTL_ADD, legs[id][i].fd, &ev);
    }
    printf("ok %d %d %d\n", id, port_of(a->fd), port_of(b->fd));
  } else if (sscanf(line, "free %d", &id) == 1 && id >= 0 && id < MAX_CALLS) {
    for (int i = 0; i < 2; i++) {
      close(legs[id][i].fd);
      legs[id][i].fd = 0;
    }
    printf("ok\n");
  } else {
    printf("error\n");
  }
  fflush(stdout);
}

int main(void) {
  int ep = epoll_create1(0);
  struct epoll_event in = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct epoll_event ready[64];
  for (;;) {
    int n = epoll_wait(ep, ready, 64, -1);
    for (int r = 0; r < n; r++) {
      struct leg *leg = ready[r].data.ptr;
      if (leg == NULL) {
        control(ep);
        continue;
      }
      struct leg *out = leg->other;
      for (;;) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < BATCH; i++) {
          iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof bufs[i]};
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int got = recvmmsg(leg->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) {
          break;
        }
        for (int i = 0; i < got; i++) {
          iov[i].iov_len = msgs[i].msg_len;
          msgs[i].msg_hdr.msg_name = &out->peer;
          msgs[i].msg_hdr.msg_namelen = sizeof out->peer;
        }
        sendmmsg(out->fd, msgs, got, MSG_DONTWAIT);
        if (got < BATCH) {
          break;
        }
      }
    }
  }
}
