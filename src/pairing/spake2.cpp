#include "pf/pairing/spake2.hpp"

#include <sodium.h>

#include <mutex>
#include <vector>

namespace pf::pairing {
namespace {

constexpr std::string_view kContext = "punktfunk/pair/v1";

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::abort();  // libsodium could not find a random source: nothing secure can run
    }
  });
}

Bytes as_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// Length-prefixed pieces, so no two different inputs hash alike.
class Transcript {
 public:
  void add(Bytes piece) {
    std::uint8_t length[8];
    std::uint64_t n = piece.size();
    for (auto& b : length) {
      b = static_cast<std::uint8_t>(n & 0xFF);
      n >>= 8;
    }
    bytes_.insert(bytes_.end(), length, length + 8);
    bytes_.insert(bytes_.end(), piece.begin(), piece.end());
  }
  void add(std::string_view s) { add(as_bytes(s)); }
  std::array<std::uint8_t, 64> sha512() const {
    std::array<std::uint8_t, 64> out{};
    crypto_hash_sha512(out.data(), bytes_.data(), bytes_.size());
    return out;
  }
  ~Transcript() { sodium_memzero(bytes_.data(), bytes_.size()); }

 private:
  std::vector<std::uint8_t> bytes_;
};

Element hash_to_point(std::string_view label) {
  std::array<std::uint8_t, 64> digest{};
  crypto_hash_sha512(digest.data(), reinterpret_cast<const unsigned char*>(label.data()), label.size());
  Element point{};
  crypto_core_ristretto255_from_hash(point.data(), digest.data());
  return point;
}

const Element& point_m() {
  static const Element m = hash_to_point("punktfunk/pair/v1 M");
  return m;
}
const Element& point_n() {
  static const Element n = hash_to_point("punktfunk/pair/v1 N");
  return n;
}

std::array<std::uint8_t, 32> hmac(Bytes key, Bytes a, Bytes b) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, a.data(), a.size());
  crypto_auth_hmacsha256_update(&state, b.data(), b.size());
  std::array<std::uint8_t, 32> out{};
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof(state));
  return out;
}

}  // namespace

Result<Spake2> Spake2::start(Spake2Role role, std::string_view pin, std::string_view client_id,
                             std::string_view host_id) {
  init_sodium();
  if (role != Spake2Role::client && role != Spake2Role::host) {
    return fail(Errc::invalid_argument, "SPAKE2: no role");
  }
  if (!valid_pin(pin)) {
    return fail(Errc::invalid_argument, "a PIN is 4 to 8 digits");
  }
  Spake2 s;
  s.role_ = role;
  s.client_id_ = std::string(client_id);
  s.host_id_ = std::string(host_id);
  {
    Transcript seed;
    seed.add(kContext);
    seed.add("w");
    seed.add(pin);
    seed.add(client_id);
    seed.add(host_id);
    auto digest = seed.sha512();
    crypto_core_ristretto255_scalar_reduce(s.w_.data(), digest.data());
    sodium_memzero(digest.data(), digest.size());
  }
  crypto_core_ristretto255_scalar_random(s.scalar_.data());
  Element base{};
  Element blind{};
  if (crypto_scalarmult_ristretto255_base(base.data(), s.scalar_.data()) != 0 ||
      crypto_scalarmult_ristretto255(blind.data(), s.w_.data(),
                                     (role == Spake2Role::client ? point_m() : point_n()).data()) != 0) {
    return fail(Errc::invalid_argument, "SPAKE2: a scalar reduced to zero; start again");
  }
  crypto_core_ristretto255_add(s.mine_.data(), base.data(), blind.data());
  return s;
}

Spake2::Spake2(Spake2&& other) noexcept
    : role_(other.role_),
      scalar_(other.scalar_),
      w_(other.w_),
      mine_(other.mine_),
      client_id_(std::move(other.client_id_)),
      host_id_(std::move(other.host_id_)),
      client_key_(other.client_key_),
      host_key_(other.host_key_),
      transcript_hash_(other.transcript_hash_),
      finished_(other.finished_) {
  other.wipe();
}

Spake2& Spake2::operator=(Spake2&& other) noexcept {
  if (this != &other) {
    wipe();
    role_ = other.role_;
    scalar_ = other.scalar_;
    w_ = other.w_;
    mine_ = other.mine_;
    client_id_ = std::move(other.client_id_);
    host_id_ = std::move(other.host_id_);
    client_key_ = other.client_key_;
    host_key_ = other.host_key_;
    transcript_hash_ = other.transcript_hash_;
    finished_ = other.finished_;
    other.wipe();
  }
  return *this;
}

Spake2::~Spake2() { wipe(); }

void Spake2::wipe() noexcept {
  sodium_memzero(scalar_.data(), scalar_.size());
  sodium_memzero(w_.data(), w_.size());
  sodium_memzero(client_key_.data(), client_key_.size());
  sodium_memzero(host_key_.data(), host_key_.size());
  sodium_memzero(transcript_hash_.data(), transcript_hash_.size());
  finished_ = false;
}

Status Spake2::finish(const Element& peer) {
  if (role_ == Spake2Role::unset) {
    return fail(Errc::invalid_argument, "SPAKE2: not started");
  }
  if (crypto_core_ristretto255_is_valid_point(peer.data()) != 1 || sodium_is_zero(peer.data(), peer.size()) == 1) {
    return fail(Errc::malformed, "the peer's pairing element is not a valid point");
  }
  const bool client = role_ == Spake2Role::client;
  Element blind{};
  Element unblinded{};
  Element shared{};
  if (crypto_scalarmult_ristretto255(blind.data(), w_.data(), (client ? point_n() : point_m()).data()) != 0 ||
      crypto_core_ristretto255_sub(unblinded.data(), peer.data(), blind.data()) != 0 ||
      crypto_scalarmult_ristretto255(shared.data(), scalar_.data(), unblinded.data()) != 0) {
    return fail(Errc::malformed, "the peer's pairing element yields no key");
  }
  Transcript tt;
  tt.add(kContext);
  tt.add(client_id_);
  tt.add(host_id_);
  tt.add(client ? Bytes(mine_) : Bytes(peer));  // X
  tt.add(client ? Bytes(peer) : Bytes(mine_));  // Y
  tt.add(shared);
  tt.add(w_);
  transcript_hash_ = tt.sha512();
  const Bytes ka = Bytes(transcript_hash_).subspan(32);
  client_key_ = hmac(ka, as_bytes(kContext), as_bytes(" client confirmation key"));
  host_key_ = hmac(ka, as_bytes(kContext), as_bytes(" host confirmation key"));
  sodium_memzero(shared.data(), shared.size());
  sodium_memzero(unblinded.data(), unblinded.size());
  finished_ = true;
  return ok();
}

Confirm Spake2::confirmation() const {
  if (!finished_) {
    return {};
  }
  return role_ == Spake2Role::client ? hmac(client_key_, as_bytes("client confirms"), transcript_hash_)
                                     : hmac(host_key_, as_bytes("host confirms"), transcript_hash_);
}

bool Spake2::verify(const Confirm& peer) const {
  if (!finished_) {
    return false;
  }
  const Confirm expected = role_ == Spake2Role::client ? hmac(host_key_, as_bytes("host confirms"), transcript_hash_)
                                                       : hmac(client_key_, as_bytes("client confirms"), transcript_hash_);
  return crypto_verify_32(expected.data(), peer.data()) == 0;
}

std::string random_pin(std::size_t digits) {
  init_sodium();
  std::string pin;
  for (std::size_t i = 0; i < digits; ++i) {
    pin.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  }
  return pin;
}

bool valid_pin(std::string_view pin) noexcept {
  if (pin.size() < 4 || pin.size() > 8) {
    return false;
  }
  for (const char c : pin) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace pf::pairing
