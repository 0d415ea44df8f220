// A socket address (IPv4 or IPv6) as a value.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "pf/core/result.hpp"

namespace pf::net {

class Address {
 public:
  Address() = default;
  /// A numeric host ("127.0.0.1", "::1", "[::1]") and a port; no name lookup.
  [[nodiscard]] static Result<Address> parse(std::string_view host, std::uint16_t port);
  /// "HOST[:PORT]" or "[V6]:PORT"; `default_port` when none is given. Names
  /// are resolved ("localhost").
  [[nodiscard]] static Result<Address> resolve(std::string_view host_port, std::uint16_t default_port);
  [[nodiscard]] static Address loopback(std::uint16_t port);
  [[nodiscard]] static Address from(const sockaddr* addr, socklen_t length) noexcept;

  [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  [[nodiscard]] socklen_t length() const noexcept { return length_; }
  [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
  [[nodiscard]] bool valid() const noexcept { return length_ != 0; }
  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] bool is_loopback() const noexcept;
  /// "127.0.0.1:9777", "[::1]:9777".
  [[nodiscard]] std::string to_string() const;
  /// The same address with another port.
  [[nodiscard]] Address with_port(std::uint16_t port) const noexcept;

  friend bool operator==(const Address& a, const Address& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace pf::net
