// A fake NVIDIA driver behind the NVENC backend's real seam (NvencDriver):
// it records every call in order, counts every resource the backend holds
// (contexts, sessions, device memory, registrations, bitstreams, mappings,
// locks), can fail any call on its n-th occurrence, and keeps "device"
// memory in host RAM so the frame copies are real copies (checked by ASan).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pf/encode/nvenc.hpp"

namespace pf::encode::test {

class FakeNvenc {
 public:
  FakeNvenc();
  ~FakeNvenc();
  FakeNvenc(const FakeNvenc&) = delete;
  FakeNvenc& operator=(const FakeNvenc&) = delete;

  [[nodiscard]] std::shared_ptr<const NvencDriver> driver() const { return driver_; }

  // Behaviour.
  std::uint32_t max_version = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  int device_count = 1;
  bool has_hevc = true;
  /// Fail the `occurrence`-th call (1-based) of `function` with its error.
  void fail_at(std::string function, int occurrence = 1, NVENCSTATUS status = NV_ENC_ERR_GENERIC) {
    fail_ = Failure{std::move(function), occurrence, status};
  }

  // What happened.
  std::vector<std::string> calls;
  int contexts = 0;  ///< primary context retains not yet released
  int pushed = 0;    ///< context pushes not yet popped
  int sessions = 0;
  int allocations = 0;
  int registrations = 0;
  int bitstreams = 0;
  int mapped = 0;
  int locked = 0;
  std::vector<std::uint64_t> invalidated;
  NV_ENC_INITIALIZE_PARAMS init{};
  NV_ENC_CONFIG config{};
  NV_ENC_PIC_PARAMS last_picture{};
  NV_ENC_REGISTER_RESOURCE registered{};
  std::optional<NV_ENC_CONFIG> reconfigured;
  std::vector<std::uint8_t> surface;  ///< the input surface as the encoder saw it at the last encode
  std::size_t surface_pitch = 0;

  /// Everything the backend holds; zero once it is gone.
  [[nodiscard]] int live() const {
    return contexts + pushed + sessions + allocations + registrations + bitstreams + mapped + locked;
  }
  /// Calls that acquire or act (those an injected failure may hit); releases are left out.
  [[nodiscard]] static bool injectable(const std::string& function);

  // The fake's entry points use this; not for tests.
  bool enter(const char* function);
  NVENCSTATUS failure_status() const { return fail_ ? fail_->status : NV_ENC_ERR_GENERIC; }
  std::map<CUdeviceptr, std::vector<std::uint8_t>> memory;
  std::uint32_t frames_encoded = 0;
  bool idr_next = true;
  std::vector<std::uint8_t> output;

 private:
  struct Failure {
    std::string function;
    int occurrence;
    NVENCSTATUS status;
  };
  std::optional<Failure> fail_;
  std::map<std::string, int> seen_;
  std::shared_ptr<const NvencDriver> driver_;
};

}  // namespace pf::encode::test
