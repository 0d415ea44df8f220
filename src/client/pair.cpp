#include "pf/client/pair.hpp"

#include <sstream>

#include <fmt/format.h>

#include "pf/core/fs.hpp"
#include "pf/core/log.hpp"
#include "pf/net/control_stream.hpp"
#include "pf/pairing/spake2.hpp"
#include "pf/tls/identity.hpp"

namespace pf::client {
namespace {

const log::Logger kLog{"pair"};
constexpr Nanos kStepTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxKnownHostsBytes = 1 << 20;

Result<std::string> read_known_hosts(const std::filesystem::path& dir) {
  auto text = read_small_file(dir / kKnownHostsFile, kMaxKnownHostsBytes);
  if (!text && text.error().code == Errc::not_found) {
    return std::string();
  }
  return text;
}

Error refused(const control::PairResult& r) {
  using control::PairOutcome;
  std::string advice;
  switch (r.outcome) {
    case PairOutcome::wrong_pin:
      advice = "check the PIN the host shows; if it is right, someone may be between you and the host";
      break;
    case PairOutcome::not_armed: advice = "run `punktfunk-host pair arm` on the host, then use the PIN it shows"; break;
    case PairOutcome::locked: advice = "the host's operator must arm a new pairing window"; break;
    case PairOutcome::busy: advice = "try again in a moment"; break;
    case PairOutcome::not_for_you: advice = "the window was armed for another client's fingerprint"; break;
    default: break;
  }
  return Error{Errc::refused, fmt::format("pairing refused ({}): {}{}{}", control::to_string(r.outcome), r.detail,
                                          advice.empty() ? "" : "; ", advice)};
}

}  // namespace

std::string pinned_fingerprint(const std::filesystem::path& dir, const std::string& host) {
  auto text = read_known_hosts(dir);
  if (!text) {
    kLog.warn("{}", text.error().message);
    return {};
  }
  std::istringstream in(*text);
  std::string name;
  std::string fingerprint;
  while (in >> name >> fingerprint) {
    if (name == host) {
      return fingerprint;
    }
  }
  return {};
}

Status remember_host(const std::filesystem::path& dir, const std::string& host, const std::string& fingerprint) {
  auto text = read_known_hosts(dir);
  if (!text) {
    return tl::unexpected(text.error());
  }
  std::istringstream in(*text);
  std::string out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.substr(0, line.find(' ')) != host) {
      out += line + "\n";
    }
  }
  out += host + " " + fingerprint + "\n";
  return write_file_atomic(dir / kKnownHostsFile, out, 0600);
}

Result<PairReport> pair_with_host(const PairOptions& o, const std::function<void(const PairReport&)>& waiting) {
  if (!o.pin.empty() && !pairing::valid_pin(o.pin)) {
    return fail(Errc::invalid_argument, "--pin expects the 4 to 8 digits the host shows");
  }
  if (auto dir = ensure_private_dir(o.config_dir); !dir) {
    return tl::unexpected(dir.error());
  }
  auto identity = tls::load_or_create_identity(o.config_dir, "client", "punktfunk client");
  if (!identity) {
    return tl::unexpected(identity.error());
  }
  auto host = net::Address::resolve(o.host, o.default_port);
  if (!host) {
    return tl::unexpected(host.error());
  }
  // Any certificate: with a PIN, SPAKE2 authenticates it; a knock shows it.
  auto connected = net::ControlStream::connect(*host, identity->identity, "", kStepTimeout);
  if (!connected) {
    return tl::unexpected(connected.error());
  }
  net::ControlStream& stream = *connected;
  PairReport report;
  report.host = host->to_string();
  report.host_fingerprint = stream.peer_fingerprint();
  report.client_fingerprint = identity->identity.fingerprint;
  const std::string name = o.name.substr(0, control::kMaxNameBytes);

  Result<control::Message> answer = fail(Errc::unset, "");
  bool host_proved_pin = false;
  if (!o.pin.empty()) {
    auto spake = pairing::Spake2::start(pairing::Spake2Role::client, o.pin, report.client_fingerprint,
                                        report.host_fingerprint);
    if (!spake) {
      return tl::unexpected(spake.error());
    }
    if (auto sent = stream.send(control::PairRequest{spake->element(), name}); !sent) {
      return tl::unexpected(sent.error());
    }
    answer = stream.receive(kStepTimeout);
    if (answer) {
      if (const auto* challenge = std::get_if<control::PairChallenge>(&*answer)) {
        if (auto finished = spake->finish(challenge->element); !finished) {
          return tl::unexpected(finished.error());
        }
        if (!spake->verify(challenge->confirm)) {
          // Say nothing more to it: a host that cannot prove the PIN gets no proof either.
          return fail(Errc::refused,
                      "the host could not prove it knows the PIN: the PIN is wrong, or someone is between you and "
                      "the host (it presented certificate {})",
                      report.host_fingerprint);
        }
        host_proved_pin = true;
        if (auto sent = stream.send(control::PairProof{spake->confirmation()}); !sent) {
          return tl::unexpected(sent.error());
        }
        answer = stream.receive(kStepTimeout);
      }
    }
  } else {
    if (auto sent = stream.send(control::Knock{name}); !sent) {
      return tl::unexpected(sent.error());
    }
    answer = stream.receive(kStepTimeout);
    if (answer) {
      if (const auto* pending = std::get_if<control::PairPending>(&*answer)) {
        report.request_id = pending->request_id;
        if (waiting) {
          waiting(report);
        }
        answer = stream.receive(std::min<Nanos>(o.wait, std::chrono::seconds(pending->wait_s) + kStepTimeout));
      }
    }
  }
  if (!answer) {
    return tl::unexpected(answer.error());
  }
  if (const auto* reject = std::get_if<control::Reject>(&*answer)) {
    return fail(Errc::refused, "the host refused: {}", reject->detail);
  }
  const auto* result = std::get_if<control::PairResult>(&*answer);
  if (result == nullptr) {
    return fail(Errc::malformed, "the host answered with {}", control::to_string(control::type_of(*answer)));
  }
  report.outcome = result->outcome;
  report.access = result->access;
  report.detail = result->detail;
  if (result->outcome != control::PairOutcome::paired && result->outcome != control::PairOutcome::already_paired) {
    return tl::unexpected(refused(*result));
  }
  // With a PIN, only a host that proved it knows it gets pinned: "already
  // paired" comes before any proof, so it counts only for the host pinned before.
  if (!o.pin.empty() && !host_proved_pin &&
      pinned_fingerprint(o.config_dir, report.host) != report.host_fingerprint) {
    return fail(Errc::refused,
                "the host says this client is paired already, but it is not the host this client knows ({}); "
                "unpair this client on the host and pair again",
                report.host_fingerprint);
  }
  if (auto saved = remember_host(o.config_dir, report.host, report.host_fingerprint); !saved) {
    return tl::unexpected(saved.error());
  }
  return report;
}

}  // namespace pf::client
