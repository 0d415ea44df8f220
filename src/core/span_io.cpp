#include "pf/core/span_io.hpp"

namespace pf {

Status SpanReader::finish(std::string_view what) const {
  if (failed_) {
    return fail(Errc::truncated, "{}: truncated after {} of {} bytes ({} more needed)", what, pos_,
                input_.size(), short_by_);
  }
  return pf::ok();
}

Status SpanReader::finish_exact(std::string_view what) const {
  if (auto st = finish(what); !st) {
    return st;
  }
  if (pos_ != input_.size()) {
    return fail(Errc::malformed, "{}: {} unexpected trailing bytes", what, input_.size() - pos_);
  }
  return pf::ok();
}

Status SpanWriter::finish(std::string_view what) const {
  if (failed_) {
    return fail(Errc::overflow, "{}: does not fit in {} bytes", what, out_.size());
  }
  return pf::ok();
}

}  // namespace pf
