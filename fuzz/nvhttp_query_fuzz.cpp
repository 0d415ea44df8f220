// nvhttp queries as a hostile client sends them, rendered back as the XML
// answer would carry them: no value may open an element of its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_target.hpp"
#include "pf/core/text.hpp"
#include "pf/gamestream/nvhttp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto query = pf::parse_query(text);
  if (!query) {
    return 0;
  }
  pf::gamestream::XmlReply reply;
  for (const auto& [name, value] : *query) {
    reply.fields.emplace_back("value", value);
  }
  const std::string xml = pf::gamestream::render(reply);
  // Every '<' in the document is one of ours: the declaration, root, or a <value>/</value> tag.
  std::size_t tags = 0;
  for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    ++tags;
  }
  if (tags != 3 + 2 * reply.fields.size()) {  // <?xml, <root, </root, and two per field
    std::abort();
  }
  return 0;
}
