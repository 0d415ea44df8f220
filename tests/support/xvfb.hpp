// An X server of a test's own (the client's screen in the window tests):
// Xvfb on a display number it picks itself (-displayfd), admitting only
// holders of its cookie, stopped (and reaped) with the object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "pf/core/process.hpp"
#include "pf/core/result.hpp"

namespace pf::test {

inline constexpr const char* kXvfbBinary = "/usr/bin/Xvfb";

class Xvfb {
 public:
  /// Starts a `width`×`height` screen; its cookie file goes into `dir`.
  /// Errors: Xvfb missing, exited or silent for 10 s.
  [[nodiscard]] static Result<Xvfb> start(const std::filesystem::path& dir, std::uint32_t width,
                                          std::uint32_t height);

  /// DISPLAY and XAUTHORITY for the programs that use it.
  [[nodiscard]] std::map<std::string, std::string> environment() const;
  [[nodiscard]] const std::string& display() const noexcept { return display_; }

 private:
  Xvfb(ChildProcess server, std::string display, std::filesystem::path auth)
      : server_(std::move(server)), display_(std::move(display)), auth_(std::move(auth)) {}
  ChildProcess server_;
  std::string display_;  ///< ":N"
  std::filesystem::path auth_;
};

}  // namespace pf::test
