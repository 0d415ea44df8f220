// Test tones and their measurement (the audio tests' shared helpers).
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <optional>
#include <span>
#include <vector>

namespace pf::audio::tone {

/// `seconds` of a `hz` sine at `amplitude` in `channel` of `channels`
/// interleaved channels (the others silent); channel < 0: all of them.
inline std::vector<float> tone(double hz, double amplitude, double seconds, unsigned channels, int channel = -1) {
  const auto frames = static_cast<std::size_t>(seconds * 48'000);
  std::vector<float> out(frames * channels);
  for (std::size_t i = 0; i < frames; ++i) {
    const auto v = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / 48'000));
    for (unsigned c = 0; c < channels; ++c) {
      out[i * channels + c] = (channel < 0 || static_cast<unsigned>(channel) == c) ? v : 0.0F;
    }
  }
  return out;
}

struct ToneFigures {
  double hz = 0;        ///< from rising zero crossings, interpolated
  double level_db = 0;  ///< RMS relative to a full sine of `amplitude`
  double longest_dip_ms = 0;  ///< longest run of 1 ms windows whose peak is below half the amplitude
};

/// Measures channel `channel` of interleaved `samples` (48 kHz) between the
/// first and last 1 ms window whose peak reaches half of `amplitude`,
/// leaving `margin_s` out at both ends. nullopt when no tone is found.
inline std::optional<ToneFigures> measure(std::span<const float> samples, unsigned channels, unsigned channel,
                                          double amplitude, double margin_s = 0.1) {
  std::vector<double> x(samples.size() / channels);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = samples[i * channels + channel];
  }
  constexpr std::size_t kWindow = 48;
  std::vector<double> peaks;
  for (std::size_t i = 0; i + kWindow <= x.size(); i += kWindow) {
    double p = 0;
    for (std::size_t j = i; j < i + kWindow; ++j) {
      p = std::max(p, std::abs(x[j]));
    }
    peaks.push_back(p);
  }
  std::optional<std::size_t> first, last;
  for (std::size_t w = 0; w < peaks.size(); ++w) {
    if (peaks[w] >= amplitude / 2) {
      first = first.value_or(w);
      last = w;
    }
  }
  const auto margin = static_cast<std::size_t>(margin_s * 1000);
  if (!first || *last < *first + 2 * margin + 100) {
    return std::nullopt;
  }
  const std::size_t from = (*first + margin) * kWindow, to = (*last - margin) * kWindow;
  ToneFigures f;
  double energy = 0;
  std::vector<double> crossings;
  for (std::size_t i = from; i < to; ++i) {
    energy += x[i] * x[i];
    if (i > from && x[i - 1] < 0 && x[i] >= 0) {
      crossings.push_back(static_cast<double>(i - 1) + (-x[i - 1]) / (x[i] - x[i - 1]));
    }
  }
  const double rms = std::sqrt(energy / static_cast<double>(to - from));
  f.level_db = 20 * std::log10(rms / (amplitude / std::numbers::sqrt2));
  if (crossings.size() >= 2) {
    f.hz = static_cast<double>(crossings.size() - 1) * 48'000 / (crossings.back() - crossings.front());
  }
  std::size_t run = 0, longest = 0;
  for (std::size_t w = *first + margin; w < *last - margin; ++w) {
    run = peaks[w] < amplitude / 2 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  f.longest_dip_ms = static_cast<double>(longest);
  return f;
}

}  // namespace pf::audio::tone
