#include "pf/discovery/mdns.hpp"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/thread-watch.h>
#include <net/if.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "pf/core/log.hpp"

namespace pf::discovery {
namespace {

const log::Logger kLog{"mdns"};

std::string os_id() {
  std::string id = "linux";
  std::ifstream in("/etc/os-release");
  std::string line;
  std::string distro;
  std::string version;
  while (std::getline(in, line)) {
    const auto value = [&](std::string_view key) {
      std::string v = line.substr(key.size());
      std::erase(v, '"');
      return v;
    };
    if (line.rfind("ID=", 0) == 0) {
      distro = value("ID=");
    } else if (line.rfind("VERSION_ID=", 0) == 0) {
      version = value("VERSION_ID=");
    }
  }
  if (!distro.empty()) {
    id += "/" + distro;
    if (!version.empty()) {
      id += "/" + version;
    }
  }
  return id;
}

AvahiStringList* to_list(const std::map<std::string, std::string>& txt) {
  AvahiStringList* list = nullptr;
  for (const auto& [key, value] : txt) {
    list = avahi_string_list_add_pair(list, key.c_str(), value.c_str());
  }
  return list;
}

}  // namespace

std::map<std::string, std::string> host_txt(std::string_view fingerprint, bool pairing_required,
                                             std::uint16_t mgmt_port) {
  std::map<std::string, std::string> txt{{"proto", std::string(kProtocolId)},
                                         {"fp", std::string(fingerprint)},
                                         {"pair", pairing_required ? "required" : "optional"},
                                         {"id", std::string(fingerprint.substr(0, 16))},
                                         {"os", os_id()}};
  if (mgmt_port != 0) {
    txt["mgmt"] = std::to_string(mgmt_port);
  }
  return txt;
}

// Everything below runs on Avahi's event thread except start() and the
// destructor, which hold the threaded poll's lock while they touch state.
struct Advertiser::Impl {
  Advertisement ad;
  char* name = nullptr;  // avahi_strdup'ed; may change after a clash
  AvahiThreadedPoll* poll = nullptr;
  AvahiClient* client = nullptr;
  AvahiEntryGroup* group = nullptr;
  bool warned = false;

  ~Impl() {
    if (poll != nullptr) {
      avahi_threaded_poll_stop(poll);
    }
    if (client != nullptr) {
      avahi_client_free(client);  // frees the group too
    }
    if (poll != nullptr) {
      avahi_threaded_poll_free(poll);
    }
    avahi_free(name);
  }

  void rename() {
    char* next = avahi_alternative_service_name(name);
    avahi_free(name);
    name = next;
    kLog.info("name in use on the network; advertising as '{}'", name);
  }

  void publish(AvahiClient* c) {
    if (group == nullptr) {
      group = avahi_entry_group_new(c, &Impl::on_group, this);
      if (group == nullptr) {
        kLog.warn("cannot create an entry group: {}", avahi_strerror(avahi_client_errno(c)));
        return;
      }
    }
    if (!avahi_entry_group_is_empty(group)) {
      return;
    }
    AvahiStringList* txt = to_list(ad.txt);
    int rc = AVAHI_ERR_COLLISION;
    for (int tries = 0; tries < 8 && rc == AVAHI_ERR_COLLISION; ++tries) {
      rc = avahi_entry_group_add_service_strlst(group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, AvahiPublishFlags{}, name,
                                                std::string(kServiceType).c_str(), nullptr, nullptr, ad.port, txt);
      if (rc == AVAHI_ERR_COLLISION) {
        rename();
      }
    }
    avahi_string_list_free(txt);
    if (rc < 0 || (rc = avahi_entry_group_commit(group)) < 0) {
      kLog.warn("cannot advertise: {}", avahi_strerror(rc));
    }
  }

  static void on_group(AvahiEntryGroup* g, AvahiEntryGroupState state, void* self) {
    auto* impl = static_cast<Impl*>(self);
    impl->group = g;
    switch (state) {
      case AVAHI_ENTRY_GROUP_ESTABLISHED:
        kLog.info("advertising '{}' as {} on port {}", impl->name, kServiceType, impl->ad.port);
        break;
      case AVAHI_ENTRY_GROUP_COLLISION:
        impl->rename();
        avahi_entry_group_reset(g);
        impl->publish(avahi_entry_group_get_client(g));
        break;
      case AVAHI_ENTRY_GROUP_FAILURE:
        kLog.warn("advertising failed: {}", avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
        break;
      default: break;
    }
  }

  static void on_client(AvahiClient* c, AvahiClientState state, void* self) {
    auto* impl = static_cast<Impl*>(self);
    switch (state) {
      case AVAHI_CLIENT_S_RUNNING:
        impl->publish(c);
        break;
      case AVAHI_CLIENT_S_COLLISION:
      case AVAHI_CLIENT_S_REGISTERING:
        if (impl->group != nullptr) {
          avahi_entry_group_reset(impl->group);
        }
        break;
      case AVAHI_CLIENT_CONNECTING:
        if (!impl->warned) {
          impl->warned = true;
          kLog.warn("no Avahi daemon is running, so clients cannot discover this host (they can still "
                    "connect by address); it will be advertised once avahi-daemon starts");
        }
        break;
      case AVAHI_CLIENT_FAILURE:
        // The daemon went away; with NO_FAIL the client reconnects by itself.
        impl->group = nullptr;
        break;
    }
  }
};

Advertiser::Advertiser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Advertiser::~Advertiser() = default;

Result<std::unique_ptr<Advertiser>> Advertiser::start(Advertisement ad) {
  auto impl = std::make_unique<Impl>();
  impl->ad = std::move(ad);
  impl->name = avahi_strdup(impl->ad.name.c_str());
  impl->poll = avahi_threaded_poll_new();
  if (impl->poll == nullptr) {
    return fail(Errc::io, "mDNS: cannot create Avahi's event loop");
  }
  int error = 0;
  avahi_threaded_poll_lock(impl->poll);
  impl->client = avahi_client_new(avahi_threaded_poll_get(impl->poll), AVAHI_CLIENT_NO_FAIL, &Impl::on_client,
                                  impl.get(), &error);
  avahi_threaded_poll_unlock(impl->poll);
  if (impl->client == nullptr) {
    return fail(Errc::unsupported, "mDNS: no Avahi daemon is reachable ({}), so this host is not advertised",
                avahi_strerror(error));
  }
  if (avahi_threaded_poll_start(impl->poll) < 0) {
    return fail(Errc::io, "mDNS: cannot start Avahi's event thread");
  }
  return std::unique_ptr<Advertiser>(new Advertiser(std::move(impl)));
}

namespace {

struct Browse {
  AvahiSimplePoll* poll = nullptr;
  std::vector<FoundHost> found;
  int resolving = 0;
  bool all_for_now = false;
  std::string failure;

  static void on_resolved(AvahiServiceResolver* r, AvahiIfIndex interface, AvahiProtocol, AvahiResolverEvent event,
                          const char* name, const char*, const char*, const char* host_name,
                          const AvahiAddress* address, uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags,
                          void* self) {
    auto* b = static_cast<Browse*>(self);
    if (event == AVAHI_RESOLVER_FOUND && address != nullptr) {
      FoundHost h;
      h.name = name != nullptr ? name : "";
      h.host_name = host_name != nullptr ? host_name : "";
      char text[AVAHI_ADDRESS_STR_MAX];
      avahi_address_snprint(text, sizeof(text), address);
      h.address = text;
      h.port = port;
      char ifname[IF_NAMESIZE] = {};
      if (interface >= 0 && if_indextoname(static_cast<unsigned>(interface), ifname) != nullptr) {
        h.interface = ifname;
      }
      for (AvahiStringList* item = txt; item != nullptr; item = avahi_string_list_get_next(item)) {
        char* key = nullptr;
        char* value = nullptr;
        if (avahi_string_list_get_pair(item, &key, &value, nullptr) == 0) {
          h.txt[key] = value != nullptr ? value : "";
          avahi_free(key);
          avahi_free(value);
        }
      }
      const bool seen = std::any_of(b->found.begin(), b->found.end(), [&](const FoundHost& f) {
        return f.name == h.name && f.address == h.address && f.port == h.port;
      });
      if (!seen) {
        b->found.push_back(std::move(h));
      }
    }
    avahi_service_resolver_free(r);
    --b->resolving;
  }

  static void on_browse(AvahiServiceBrowser* browser, AvahiIfIndex interface, AvahiProtocol protocol,
                        AvahiBrowserEvent event, const char* name, const char* type, const char* domain,
                        AvahiLookupResultFlags, void* self) {
    auto* b = static_cast<Browse*>(self);
    switch (event) {
      case AVAHI_BROWSER_NEW:
        if (avahi_service_resolver_new(avahi_service_browser_get_client(browser), interface, protocol, name, type,
                                       domain, AVAHI_PROTO_UNSPEC, AvahiLookupFlags{}, &Browse::on_resolved,
                                       b) != nullptr) {
          ++b->resolving;
        }
        break;
      case AVAHI_BROWSER_ALL_FOR_NOW: b->all_for_now = true; break;
      case AVAHI_BROWSER_FAILURE:
        b->failure = avahi_strerror(avahi_client_errno(avahi_service_browser_get_client(browser)));
        break;
      default: break;
    }
  }
};

}  // namespace

Result<std::vector<FoundHost>> browse(Nanos timeout) {
  Browse b;
  b.poll = avahi_simple_poll_new();
  if (b.poll == nullptr) {
    return fail(Errc::io, "mDNS: cannot create Avahi's event loop");
  }
  int error = 0;
  AvahiClient* client =
      avahi_client_new(avahi_simple_poll_get(b.poll), AvahiClientFlags{}, nullptr, nullptr, &error);
  if (client == nullptr) {
    avahi_simple_poll_free(b.poll);
    return fail(Errc::unsupported, "mDNS discovery needs a running Avahi daemon (avahi-daemon): {}",
                avahi_strerror(error));
  }
  AvahiServiceBrowser* browser =
      avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, std::string(kServiceType).c_str(),
                                nullptr, AvahiLookupFlags{}, &Browse::on_browse, &b);
  if (browser == nullptr) {
    const std::string why = avahi_strerror(avahi_client_errno(client));
    avahi_client_free(client);
    avahi_simple_poll_free(b.poll);
    return fail(Errc::io, "mDNS: cannot browse: {}", why);
  }
  const TimePoint deadline = steady_clock().now() + timeout;
  while (b.failure.empty()) {
    const Nanos left = deadline - steady_clock().now();
    if (left <= Nanos::zero() || (b.all_for_now && b.resolving == 0 && !b.found.empty())) {
      break;
    }
    const int slice_ms = static_cast<int>(
        std::clamp<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(left).count(), 1, 100));
    if (avahi_simple_poll_iterate(b.poll, slice_ms) != 0) {
      break;
    }
  }
  avahi_client_free(client);  // frees the browser and resolvers
  avahi_simple_poll_free(b.poll);
  if (!b.failure.empty()) {
    return fail(Errc::io, "mDNS browsing failed: {}", b.failure);
  }
  return b.found;
}

}  // namespace pf::discovery
