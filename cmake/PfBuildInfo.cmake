# Build facts compiled into the binaries (punktfunk-host version prints them).
# The revision is read at configure time; a re-configure refreshes it.

set(PF_GIT_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    OUTPUT_VARIABLE _pf_rev OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _pf_rev_rc ERROR_QUIET)
  if(_pf_rev_rc EQUAL 0 AND _pf_rev)
    set(PF_GIT_REVISION "${_pf_rev}")
  endif()
endif()

if(PF_HAVE_CUDA)
  set(PF_HAVE_CUDA_01 1)
else()
  set(PF_HAVE_CUDA_01 0)
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in"
               "${PROJECT_BINARY_DIR}/generated/pf/core/build_info.hpp" @ONLY)
