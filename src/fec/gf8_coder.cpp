// Reed–Solomon over GF(2^8), Moonlight's Cauchy construction.
//
// Encoding is one matrix–vector product over the shards, with the
// coefficient tables cached per (k, m). The multiply-accumulate runs on the
// Galois-field instructions where the CPU has them (gf8_gfni.*), else in
// ISA-L (its fastest kernel for the CPU, chosen at run time).
//
// Decoding never inverts a k×k matrix. With e data shards lost and e parity
// rows R chosen from those received, the lost data d_L satisfy
//     C · d_L = p_R + P[R][K] · d_K        (K: the data shards received)
// where C = P[R][L] is itself a Cauchy matrix, whose inverse has a closed
// form computed in O(e²). The right-hand side costs e·|K| shard
// multiply-accumulates, the solve e·e: the same order of work as encoding.
#include <isa-l/erasure_code.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "fec_internal.hpp"
#include "pf/fec/gf8_field.hpp"
#include "gf8_gfni.hpp"

namespace pf::fec {
namespace {

// ISA-L's 32-byte multiplication table for each constant, built once.
struct IsalTables {
  std::array<std::array<unsigned char, 32>, 256> table{};
  IsalTables() {
    for (unsigned c = 0; c < 256; ++c) {
      gf_vect_mul_init(static_cast<unsigned char>(c), table[c].data());
    }
  }
};

const IsalTables& isal_tables() {
  static const IsalTables tables;
  return tables;
}

// A rows × k coefficient matrix, row-major, with the kernel's tables for it.
struct Matrix {
  std::size_t rows = 0;
  std::size_t k = 0;
  std::vector<std::uint8_t> coefficients;
  std::vector<unsigned char> isal;    ///< 32 bytes per coefficient
  std::vector<std::uint64_t> gfni;    ///< one affine matrix per coefficient

  void reset(std::size_t r, std::size_t columns) {
    rows = r;
    k = columns;
    coefficients.resize(r * columns);
  }
};

class Gf8Coder final : public Coder {
 public:
  explicit Gf8Coder(Gf8Kernel kernel)
      : gfni_(kernel == Gf8Kernel::gfni || (kernel == Gf8Kernel::automatic && gf8::gfni_supported())) {}

  [[nodiscard]] Scheme scheme() const noexcept override { return Scheme::gf8; }

 private:
  void encode_block(std::span<const std::uint8_t* const> data, std::span<std::uint8_t* const> parity,
                    std::size_t shard_bytes) override {
    multiply(encode_matrix(static_cast<unsigned>(data.size()), static_cast<unsigned>(parity.size())),
             shard_bytes, data.data(), parity.data());
  }

  void reconstruct_block(std::size_t k, std::span<std::uint8_t* const> shards,
                         std::span<const std::uint8_t> present, std::size_t shard_bytes) override {
    const std::size_t m = shards.size() - k;
    lost_.clear();
    known_.clear();
    rows_.clear();
    for (unsigned i = 0; i < k; ++i) {
      (present[i] != 0 ? known_ : lost_).push_back(i);
    }
    for (unsigned j = 0; j < m && rows_.size() < lost_.size(); ++j) {
      if (present[k + j] != 0) {
        rows_.push_back(j);
      }
    }
    solve(static_cast<unsigned>(k), static_cast<unsigned>(m), shards, shard_bytes);
  }

  // Fills the kernel's tables from matrix.coefficients.
  void prepare(Matrix& matrix) const {
    const std::size_t n = matrix.coefficients.size();
    if (gfni_) {
      matrix.gfni.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        matrix.gfni[i] = gf8::gfni_matrix(matrix.coefficients[i]);
      }
    } else {
      matrix.isal.resize(32 * n);
      for (std::size_t i = 0; i < n; ++i) {
        std::memcpy(&matrix.isal[32 * i], isal_tables().table[matrix.coefficients[i]].data(), 32);
      }
    }
  }

  // out[r] = Σ_c matrix[r][c] · in[c] over len bytes.
  void multiply(const Matrix& matrix, std::size_t len, const std::uint8_t* const* in,
                std::uint8_t* const* out) const {
    if (gfni_) {
      gf8::gfni_dot(len, matrix.k, matrix.rows, matrix.gfni.data(), matrix.coefficients.data(), in, out);
    } else {
      ec_encode_data(static_cast<int>(len), static_cast<int>(matrix.k), static_cast<int>(matrix.rows),
                     const_cast<unsigned char*>(matrix.isal.data()), const_cast<unsigned char**>(in),
                     const_cast<unsigned char**>(out));
    }
  }

  struct Cached {
    std::uint64_t last_use = 0;
    Matrix matrix;
  };
  static constexpr std::size_t kCachedShapes = 8;

  const Matrix& encode_matrix(unsigned k, unsigned m) {
    ++clock_;
    for (auto& entry : cache_) {
      if (entry.matrix.k == k && entry.matrix.rows == m) {
        entry.last_use = clock_;
        return entry.matrix;
      }
    }
    Cached* slot = nullptr;
    if (cache_.size() < kCachedShapes) {
      slot = &cache_.emplace_back();
    } else {
      slot = &*std::min_element(cache_.begin(), cache_.end(),
                                [](const auto& a, const auto& b) { return a.last_use < b.last_use; });
    }
    slot->last_use = clock_;
    slot->matrix.reset(m, k);
    for (unsigned j = 0; j < m; ++j) {
      for (unsigned i = 0; i < k; ++i) {
        slot->matrix.coefficients[std::size_t{j} * k + i] = gf8::cauchy(m, i, j);
      }
    }
    prepare(slot->matrix);
    return slot->matrix;
  }

  // Writes every lost data shard; lost_, known_ and rows_ are filled and
  // rows_.size() == lost_.size().
  void solve(unsigned k, unsigned m, std::span<std::uint8_t* const> shards, std::size_t shard_bytes) {
    const std::size_t e = lost_.size();

    // 1. syndrome s_r = p_R[r] + Σ_{c∈K} P[R[r]][c] · d_c, into scratch.
    scratch_.resize(e * shard_bytes);
    syndromes_.resize(e);
    for (std::size_t r = 0; r < e; ++r) {
      syndromes_[r] = scratch_.data() + r * shard_bytes;
    }
    if (!known_.empty()) {
      syndrome_matrix_.reset(e, known_.size());
      sources_.resize(known_.size());
      for (std::size_t c = 0; c < known_.size(); ++c) {
        sources_[c] = shards[known_[c]];
        for (std::size_t r = 0; r < e; ++r) {
          syndrome_matrix_.coefficients[r * known_.size() + c] = gf8::cauchy(m, known_[c], rows_[r]);
        }
      }
      prepare(syndrome_matrix_);
      multiply(syndrome_matrix_, shard_bytes, sources_.data(), syndromes_.data());
    } else {
      std::memset(scratch_.data(), 0, scratch_.size());
    }
    for (std::size_t r = 0; r < e; ++r) {
      xor_into(syndromes_[r], shards[k + rows_[r]], shard_bytes);
    }

    // 2. d_L = C⁻¹ · s with C[r][c] = 1 / (x_r + y_c), x_r = R[r], y_c = m + L[c].
    invert_cauchy(m);
    prepare(inverse_);
    outputs_.resize(e);
    for (std::size_t c = 0; c < e; ++c) {
      outputs_[c] = shards[lost_[c]];
    }
    sources_.assign(syndromes_.begin(), syndromes_.end());
    multiply(inverse_, shard_bytes, sources_.data(), outputs_.data());
  }

  // inverse_[c][r] = (C⁻¹)[c][r] for the Cauchy matrix C[r][c] = 1/(x_r + y_c):
  //   (C⁻¹)[c][r] = Π_t(y_c + x_t) · Π_t(x_r + y_t)
  //                 / ((x_r + y_c) · Π_{t≠r}(x_r + x_t) · Π_{t≠c}(y_c + y_t))
  // (the classical closed form; in characteristic 2 every difference is a sum).
  void invert_cauchy(unsigned m) {
    const std::size_t e = lost_.size();
    const auto x = [&](std::size_t r) { return static_cast<std::uint8_t>(rows_[r]); };
    const auto y = [&](std::size_t c) { return static_cast<std::uint8_t>(m + lost_[c]); };
    const auto& t = gf8::kTables;
    // Products in the log domain, each reduced mod 255.
    log_a_.assign(e, 0);  // Σ_t log(y_c + x_t) − Σ_{t≠c} log(y_c + y_t)
    log_b_.assign(e, 0);  // Σ_t log(x_r + y_t) − Σ_{t≠r} log(x_r + x_t)
    for (std::size_t i = 0; i < e; ++i) {
      unsigned a = 0;
      unsigned b = 0;
      for (std::size_t s = 0; s < e; ++s) {
        a += t.log[y(i) ^ x(s)];
        b += t.log[x(i) ^ y(s)];
        if (s != i) {
          a += 255U - t.log[y(i) ^ y(s)];
          b += 255U - t.log[x(i) ^ x(s)];
        }
      }
      log_a_[i] = a % 255U;
      log_b_[i] = b % 255U;
    }
    inverse_.reset(e, e);
    for (std::size_t c = 0; c < e; ++c) {
      for (std::size_t r = 0; r < e; ++r) {
        const unsigned l = log_a_[c] + log_b_[r] + 255U - t.log[x(r) ^ y(c)];
        inverse_.coefficients[c * e + r] = t.exp[l % 255U];
      }
    }
  }

  bool gfni_;
  std::uint64_t clock_ = 0;
  std::vector<Cached> cache_;
  Matrix syndrome_matrix_, inverse_;
  std::vector<unsigned> lost_, known_, rows_, log_a_, log_b_;
  std::vector<std::uint8_t> scratch_;
  std::vector<const std::uint8_t*> sources_;
  std::vector<std::uint8_t*> outputs_, syndromes_;
};

}  // namespace

std::unique_ptr<Coder> make_gf8_coder(Gf8Kernel kernel) { return std::make_unique<Gf8Coder>(kernel); }

}  // namespace pf::fec
