// Plays a test tone into a sink of a real sound server (libpulse's simple
// API), from a thread of its own; the destructor waits until it has played.
#pragma once

#include <pulse/error.h>
#include <pulse/simple.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace pf::audio::tone {

class Player {
 public:
  Player(const std::string& server, const std::string& sink, unsigned channels, std::vector<float> pcm)
      : thread_([=, pcm = std::move(pcm)] {
          pa_sample_spec spec{PA_SAMPLE_FLOAT32LE, 48'000, static_cast<std::uint8_t>(channels)};
          int error = 0;
          pa_simple* s = pa_simple_new(server.empty() ? nullptr : server.c_str(), "pf-test", PA_STREAM_PLAYBACK,
                                       sink.c_str(), "tone", &spec, nullptr, nullptr, &error);
          if (s == nullptr) {
            ADD_FAILURE() << "cannot play into " << sink << ": " << pa_strerror(error);
            return;
          }
          (void)pa_simple_write(s, pcm.data(), pcm.size() * sizeof(float), &error);
          (void)pa_simple_drain(s, &error);
          pa_simple_free(s);
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace pf::audio::tone
