# Target helpers: one library per component, tests mirrored per component,
# fuzz targets that double as corpus-replay tests in non-fuzz builds.
# Sources are always listed explicitly.

# pf_add_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Public headers live in <component>/include/pf/<component>/, internals next
# to the sources. The target is also available as pf::<name without pf_>.
function(pf_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  string(REGEX REPLACE "^pf_" "" _short "${name}")
  add_library(pf::${_short} ALIAS ${name})
  target_include_directories(${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} pf_warnings)
endfunction()

# pf_add_test(<name> SOURCES ... DEPS ... LABELS <label> [SERIAL])
# A GoogleTest executable; every TEST becomes its own ctest test carrying the
# label. SERIAL: its tests run alone (RUN_SERIAL), for long measured runs.
function(pf_add_test name)
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main pf_warnings)
  list(LENGTH ARG_LABELS _count)
  if(NOT _count EQUAL 1)
    # gtest_discover_tests flattens property lists: a second label would
    # silently become a property name. One label per test executable.
    message(FATAL_ERROR "pf_add_test(${name}): exactly one label, got '${ARG_LABELS}'")
  endif()
  set(_serial FALSE)
  if(ARG_SERIAL)  # the test wants the machine to itself
    set(_serial TRUE)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${ARG_LABELS} TIMEOUT 300 RUN_SERIAL ${_serial})
endfunction()

set(PF_FUZZ_SECONDS 15 CACHE STRING "Seconds each fuzz target runs in the fuzz preset's tests")

# pf_add_fuzzer(<name> SOURCES ... DEPS ...)
# The corpus lives in fuzz/corpus/<name>/. With PF_FUZZ the target is a
# libFuzzer binary and its test fuzzes for PF_FUZZ_SECONDS (new inputs go to a
# scratch directory, never into the checked-in corpus). Without PF_FUZZ it is
# linked with a replay driver and its test runs every corpus file once, so
# each ordinary and sanitizer build executes the corpus.
function(pf_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(_corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  if(NOT IS_DIRECTORY ${_corpus})
    message(FATAL_ERROR "fuzz target ${name} has no seed corpus at ${_corpus}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} pf_warnings)
  if(PF_FUZZ)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(_scratch ${PROJECT_BINARY_DIR}/fuzz-scratch/${name})
    file(MAKE_DIRECTORY ${_scratch})
    set(_test fuzz.${name})
    add_test(NAME ${_test}
      COMMAND ${name} -max_total_time=${PF_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 ${_scratch} ${_corpus})
  else()
    target_link_libraries(${name} PRIVATE pf_fuzz_replay)
    set(_test fuzz_replay.${name})
    add_test(NAME ${_test} COMMAND ${name} ${_corpus})
  endif()
  set_tests_properties(${_test} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
