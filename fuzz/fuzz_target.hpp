// The libFuzzer entry point every target defines; replay_main.cpp calls it
// in builds without libFuzzer.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
