// LocalPeerUid through NETLINK_SOCK_DIAG; see peer_credentials.h.
#include "kernel-shim/peer_credentials.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace amd::kernel {
namespace {

// One exact look-up: the socket whose local end is src and remote dst.
std::optional<uid_t> Lookup(int proto, const sockaddr_in& src, const sockaddr_in& dst,
                            uint16_t want_port) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::nullopt;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.req.sdiag_family = AF_INET;
  msg.req.sdiag_protocol = static_cast<uint8_t>(proto);
  msg.req.idiag_states = ~0u;
  msg.req.id.idiag_sport = src.sin_port;
  msg.req.id.idiag_dport = dst.sin_port;
  msg.req.id.idiag_src[0] = src.sin_addr.s_addr;
  msg.req.id.idiag_dst[0] = dst.sin_addr.s_addr;
  msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::optional<uid_t> uid;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::sendto(fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
      static_cast<ssize_t>(sizeof msg)) {
    alignas(nlmsghdr) char buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    // An exact look-up answers with one message: the socket, or an error.
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(inet_diag_msg))) &&
        h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      inet_diag_msg d;
      std::memcpy(&d, buf + NLMSG_HDRLEN, sizeof d);
      if (d.id.idiag_sport == want_port) uid = d.idiag_uid;
    }
  }
  ::close(fd);
  return uid;
}

}  // namespace

std::optional<uid_t> LocalPeerUid(bool tcp, const sockaddr_in& local, const sockaddr_in& peer) {
  // TCP finds the socket by its own (local, remote) pair; UDP finds the
  // socket that would receive a datagram, so the pair is the other way.
  if (tcp) return Lookup(IPPROTO_TCP, peer, local, peer.sin_port);
  return Lookup(IPPROTO_UDP, local, peer, peer.sin_port);
}

}  // namespace amd::kernel
