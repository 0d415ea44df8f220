# Warnings and sanitizers. Warnings apply to our own targets only (through
# pf_warnings); sanitizers apply to everything in the build so that every
# translation unit of a sanitized binary is instrumented the same way.

add_library(pf_warnings INTERFACE)
target_compile_options(pf_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wcast-align
  -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Checks the PF_GUARDED_BY / PF_REQUIRES annotations (core/thread_annotations.hpp).
  target_compile_options(pf_warnings INTERFACE -Wthread-safety)
endif()
if(PF_WERROR)
  target_compile_options(pf_warnings INTERFACE -Werror)
endif()

if(PF_SANITIZE)
  set(_pf_san_flags -fsanitize=${PF_SANITIZE} -fno-omit-frame-pointer)
  if(PF_SANITIZE MATCHES "undefined")
    # A UBSan finding fails the test instead of scrolling past.
    list(APPEND _pf_san_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_pf_san_flags})
  add_link_options(${_pf_san_flags})
endif()

if(PF_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PF_FUZZ needs clang (libFuzzer); use the 'fuzz' preset")
  endif()
  # Libraries get coverage instrumentation; only fuzz targets link the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
