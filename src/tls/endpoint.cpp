#include "pf/tls/endpoint.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>

namespace pf::tls {
namespace {

std::string openssl_error(std::string_view what) {
  std::string out(what);
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    out += ": ";
    out += text.data();
  }
  return out;
}

}  // namespace

struct Endpoint::Impl {
  Role role = Role::unset;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  BIO* network_in = nullptr;   ///< owned by ssl
  BIO* network_out = nullptr;  ///< owned by ssl
  std::vector<std::uint8_t> outgoing;
  State state = State::handshaking;
  std::string error;
  std::string pinned;
  std::string peer;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }

  void drain() {
    std::array<std::uint8_t, 16 * 1024> buf{};
    int n = 0;
    while ((n = BIO_read(network_out, buf.data(), static_cast<int>(buf.size()))) > 0) {
      outgoing.insert(outgoing.end(), buf.begin(), buf.begin() + n);
    }
  }

  void fail_with(std::string why) {
    state = State::failed;
    error = std::move(why);
  }

  // Depth 0 is the peer's own certificate: a client with a pin checks it
  // here, so a wrong host fails the handshake before anything is sent.
  static int verify(int /*preverified*/, X509_STORE_CTX* store) {
    if (X509_STORE_CTX_get_error_depth(store) != 0) {
      return 1;  // no chain: the leaf's fingerprint is the whole trust decision
    }
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = static_cast<Impl*>(SSL_get_app_data(ssl));
    const X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (self == nullptr || cert == nullptr) {
      return 0;
    }
    self->peer = fingerprint(*cert);
    if (!self->pinned.empty() && !fingerprints_equal(self->pinned, self->peer)) {
      self->error = "the host's certificate " + self->peer + " is not the pinned " + self->pinned;
      return 0;
    }
    return 1;
  }
};

Endpoint::Endpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Endpoint::Endpoint(Endpoint&&) noexcept = default;
Endpoint& Endpoint::operator=(Endpoint&&) noexcept = default;
Endpoint::~Endpoint() = default;

Result<Endpoint> Endpoint::open(Role role, const Identity& identity, std::string pinned) {
  auto impl = std::make_unique<Impl>();
  impl->role = role;
  impl->pinned = std::move(pinned);
  impl->ctx = SSL_CTX_new(role == Role::server ? TLS_server_method() : TLS_client_method());
  if (impl->ctx == nullptr || SSL_CTX_set_min_proto_version(impl->ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_use_certificate(impl->ctx, identity.certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(impl->ctx, identity.key.get()) != 1 || SSL_CTX_check_private_key(impl->ctx) != 1) {
    return fail(Errc::io, "{}", openssl_error("TLS: context setup failed"));
  }
  SSL_CTX_set_verify(impl->ctx,
                     SSL_VERIFY_PEER | (role == Role::server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                     &Impl::verify);
  if (role == Role::server) {
    SSL_CTX_set_num_tickets(impl->ctx, 0);  // no resumption: every connection shows its certificate
  }
  impl->ssl = SSL_new(impl->ctx);
  impl->network_in = BIO_new(BIO_s_mem());
  impl->network_out = BIO_new(BIO_s_mem());
  if (impl->ssl == nullptr || impl->network_in == nullptr || impl->network_out == nullptr) {
    BIO_free(impl->network_in);
    BIO_free(impl->network_out);
    impl->network_in = impl->network_out = nullptr;
    return fail(Errc::io, "{}", openssl_error("TLS: connection setup failed"));
  }
  SSL_set_bio(impl->ssl, impl->network_in, impl->network_out);
  SSL_set_app_data(impl->ssl, impl.get());
  if (role == Role::server) {
    SSL_set_accept_state(impl->ssl);
  } else {
    SSL_set_connect_state(impl->ssl);
  }
  Endpoint e(std::move(impl));
  if (role == Role::client) {
    e.progress();  // the ClientHello
  }
  return e;
}

Result<Endpoint> Endpoint::server(const Identity& identity) { return open(Role::server, identity, {}); }

Result<Endpoint> Endpoint::client(const Identity& identity, std::string pinned_fingerprint) {
  return open(Role::client, identity, std::move(pinned_fingerprint));
}

void Endpoint::receive(Bytes ciphertext) {
  if (!ciphertext.empty()) {
    BIO_write(impl_->network_in, ciphertext.data(), static_cast<int>(ciphertext.size()));
  }
}

std::vector<std::uint8_t>& Endpoint::outgoing() noexcept { return impl_->outgoing; }

State Endpoint::progress() {
  Impl& s = *impl_;
  if (s.state != State::handshaking) {
    return s.state;
  }
  const int r = SSL_do_handshake(s.ssl);
  s.drain();
  if (r == 1) {
    s.state = State::established;
    return s.state;
  }
  const int e = SSL_get_error(s.ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    return s.state;
  }
  s.fail_with(s.error.empty() ? openssl_error("TLS handshake failed") : s.error);
  ERR_clear_error();
  return s.state;
}

State Endpoint::state() const noexcept { return impl_->state; }
const std::string& Endpoint::error() const noexcept { return impl_->error; }
const std::string& Endpoint::peer_fingerprint() const noexcept { return impl_->peer; }
std::string_view Endpoint::protocol() const noexcept { return SSL_get_version(impl_->ssl); }

Status Endpoint::write(Bytes plaintext) {
  Impl& s = *impl_;
  if (s.state != State::established) {
    return fail(Errc::closed, "TLS: not established");
  }
  std::size_t written = 0;
  if (!plaintext.empty() && SSL_write_ex(s.ssl, plaintext.data(), plaintext.size(), &written) != 1) {
    s.fail_with(openssl_error("TLS write failed"));
    return fail(Errc::io, "{}", s.error);
  }
  s.drain();
  return ok();
}

std::size_t Endpoint::read(MutableBytes out) {
  Impl& s = *impl_;
  if (s.state != State::established || out.empty()) {
    return 0;
  }
  std::size_t n = 0;
  if (SSL_read_ex(s.ssl, out.data(), out.size(), &n) == 1) {
    s.drain();
    return n;
  }
  const int e = SSL_get_error(s.ssl, 0);
  s.drain();
  if (e == SSL_ERROR_ZERO_RETURN) {
    s.state = State::closed;
  } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
    s.fail_with(openssl_error("TLS read failed"));
  }
  ERR_clear_error();
  return 0;
}

}  // namespace pf::tls
