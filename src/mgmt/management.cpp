#include "pf/mgmt/management.hpp"

#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"

namespace pf::mgmt {
namespace {
const log::Logger kLog{"mgmt"};
}  // namespace

Result<std::unique_ptr<Management>> Management::start(ManagementOptions o, HostControl& host, LogBuffer& logs,
                                                      std::shared_ptr<EventBus> events, PairedCheck paired) {
  auto token = load_or_create_token(o.https.config_dir, o.token_override);
  if (!token) {
    return tl::unexpected(token.error());
  }
  switch (token->origin) {
    case TokenOrigin::created:
      kLog.info("management token created in {} (mode 0600)", (o.https.config_dir / kTokenFile).string());
      break;
    case TokenOrigin::environment: kLog.info("management token from PUNKTFUNK_MGMT_TOKEN"); break;
    default: break;
  }
  std::unique_ptr<Management> m(new Management());
  m->events_ = std::move(events);
  m->stats_ = std::make_unique<StatsRecorder>(o.recordings, [&host] { return host.stats_sample(); });
  m->router_ = make_router(ApiParts{&host, &logs, m->stats_.get(), m->events_, &m->counters_, o.version});
  auto https = HttpsServer::start(o.https, m->router_, Token(token->secret), std::move(paired), m->counters_);
  if (!https) {
    return tl::unexpected(https.error());
  }
  m->https_ = std::move(*https);
  const auto endpoint = o.https.config_dir / kEndpointFile;
  if (auto st = write_file_atomic(endpoint, m->https_->local_url() + "\n", 0600); !st) {
    kLog.warn("cannot write {}: {}", endpoint.string(), st.error().message);
  }
  return m;
}

Management::~Management() {
  if (events_) {
    events_->close();  // event streams end, freeing their workers
  }
  https_.reset();
  stats_.reset();
}

}  // namespace pf::mgmt
