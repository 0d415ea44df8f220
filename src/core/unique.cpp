#include "pf/core/unique.hpp"

#include <unistd.h>

namespace pf::detail {

int close_fd(int fd) noexcept { return ::close(fd); }

}  // namespace pf::detail
