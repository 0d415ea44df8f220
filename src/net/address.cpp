#include "pf/net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

#include <fmt/format.h>

namespace pf::net {

Result<Address> Address::parse(std::string_view host, std::uint16_t port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length_ = sizeof(sockaddr_in);
    return a;
  }
  a.storage_ = {};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length_ = sizeof(sockaddr_in6);
    return a;
  }
  return fail(Errc::invalid_argument, "'{}' is not a numeric IPv4 or IPv6 address", text.substr(0, 64));
}

Result<Address> Address::resolve(std::string_view host_port, std::uint16_t default_port) {
  std::string_view host = host_port;
  std::uint16_t port = default_port;
  const auto colon = host_port.rfind(':');
  const bool bracketed = !host_port.empty() && host_port.front() == '[';
  const bool bare_v6 = !bracketed && host_port.find(':') != colon;
  if (colon != std::string_view::npos && !bare_v6 &&
      (!bracketed || host_port.substr(0, colon).ends_with(']'))) {
    host = host_port.substr(0, colon);
    const std::string_view digits = host_port.substr(colon + 1);
    unsigned value = 0;
    if (digits.empty() || digits.size() > 5) {
      return fail(Errc::invalid_argument, "'{}': the port must be 1-65535", host_port.substr(0, 80));
    }
    for (const char c : digits) {
      if (c < '0' || c > '9') {
        return fail(Errc::invalid_argument, "'{}': the port must be 1-65535", host_port.substr(0, 80));
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) {
      return fail(Errc::invalid_argument, "'{}': the port must be 1-65535", host_port.substr(0, 80));
    }
    port = static_cast<std::uint16_t>(value);
  }
  if (auto numeric = parse(host, port)) {
    return numeric;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string name(host);
  if (const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &found); rc != 0 || found == nullptr) {
    return fail(Errc::not_found, "cannot resolve '{}': {}", name.substr(0, 80), gai_strerror(rc));
  }
  Address a = from(found->ai_addr, found->ai_addrlen).with_port(port);
  freeaddrinfo(found);
  return a;
}

Address Address::loopback(std::uint16_t port) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(port);
  v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.length_ = sizeof(sockaddr_in);
  return a;
}

Address Address::from(const sockaddr* addr, socklen_t length) noexcept {
  Address a;
  if (addr != nullptr && length > 0 && length <= sizeof(a.storage_)) {
    std::memcpy(&a.storage_, addr, length);
    a.length_ = length;
  }
  return a;
}

std::uint16_t Address::port() const noexcept {
  if (family() == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  }
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

Address Address::with_port(std::uint16_t port) const noexcept {
  Address a = *this;
  if (family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&a.storage_)->sin_port = htons(port);
  } else if (family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&a.storage_)->sin6_port = htons(port);
  }
  return a;
}

bool Address::is_loopback() const noexcept {
  if (family() == AF_INET) {
    return (ntohl(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr) >> 24) == 127;
  }
  if (family() == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a6) != 0;
  }
  return false;
}

std::string Address::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, text, sizeof(text));
    return fmt::format("{}:{}", text, port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, text, sizeof(text));
    return fmt::format("[{}]:{}", text, port());
  }
  return "(none)";
}

bool operator==(const Address& a, const Address& b) noexcept {
  return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace pf::net
