// libFuzzer: any datagram to rlpd or to a requester. Whatever Decode
// accepts must encode back to the same bytes; the responder and the
// requester take any datagram without harm, and whatever the responder
// sends back decodes as an I-Provide with the request's ID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "rlp/rlp_message.h"
#include "rlp/rlp_query.h"
#include "rlp/rlp_responder.h"

using namespace amd::rlp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  static Responder responder(Responder::Limits{});
  static const Provided provided = [] {
    Provided p;
    p.volumes = {"/export/vol", "/"};
    p.resources = {*PortResource(kProtocolTcp, 22)};
    return p;
  }();
  auto now = Clock::now();
  auto d = responder.Handle(in, size > 0 ? data[0] : 0, size % 2 == 0, provided, now);
  if (d.outcome == Responder::Outcome::kAnswer) {
    auto reply = Decode(d.reply);
    if (!reply.ok() || reply->type != Type::kIProvide || reply->id != ((data[2] << 8) | data[3]))
      std::abort();
  }

  QueryOptions o;
  o.resources = {*NfsVolume("/export/vol")};
  o.hosts = {1};
  Query q(o, {2}, now, size >= 4 ? static_cast<uint16_t>((data[2] << 8) | data[3]) : 0);
  (void)q.Due(now);
  q.OnDatagram(3, in, now);
  (void)q.Done(now);
  (void)q.Result(now);

  auto m = Decode(in);
  if (!m.ok()) return 0;
  (void)Describe(*m);
  for (const auto& r : m->resources) (void)ResourceName(r);
  auto back = Encode(*m);
  if (!back.ok() || *back != std::vector<uint8_t>(in.begin(), in.end())) std::abort();
  return 0;
}
