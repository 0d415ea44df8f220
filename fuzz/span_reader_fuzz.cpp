// Drives SpanReader with a random sequence of reads and checks its contract:
// it never reads past the input, a failure is sticky, and the values of
// successful reads written back with SpanWriter reproduce the bytes consumed.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_target.hpp"
#include "pf/core/span_io.hpp"

namespace {

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t op_count = std::min<std::size_t>(data[0] % 32, size - 1);
  const pf::Bytes ops(data + 1, op_count);
  const pf::Bytes input(data + 1 + op_count, size - 1 - op_count);

  pf::SpanReader reader(input);
  std::vector<std::uint8_t> rebuilt(input.size() + 64);
  pf::SpanWriter writer(rebuilt);
  bool failed = false;
  for (const std::uint8_t op : ops) {
    const std::size_t before = reader.consumed();
    switch (op % 9) {
      case 0: writer.u8(reader.u8()); break;
      case 1: writer.u16be(reader.u16be()); break;
      case 2: writer.u32be(reader.u32be()); break;
      case 3: writer.u64be(reader.u64be()); break;
      case 4: writer.u16le(reader.u16le()); break;
      case 5: writer.u32le(reader.u32le()); break;
      case 6: writer.u64le(reader.u64le()); break;
      case 7: writer.bytes(reader.bytes(op / 9U)); break;
      default: {
        std::array<std::uint8_t, 16> buf{};
        reader.copy_to(pf::MutableBytes(buf).first(op % 17));
        writer.bytes(pf::Bytes(buf).first(op % 17));
        break;
      }
    }
    check(reader.consumed() <= input.size());
    if (failed) {
      check(!reader.ok() && reader.consumed() == before && reader.remaining() == 0);
    }
    failed = !reader.ok();
  }
  check(reader.ok() == reader.finish("fuzz").has_value());
  if (reader.ok()) {
    check(writer.ok() && writer.size() == reader.consumed());
    check(reader.consumed() == 0 ||
          std::memcmp(rebuilt.data(), input.data(), reader.consumed()) == 0);
  }
  return 0;
}
