# Every dependency comes from a Debian 12 package (scripts/setup.sh installs
# them). Nothing is downloaded at configure or build time.

find_package(Threads REQUIRED)
find_package(fmt REQUIRED)            # libfmt-dev
find_package(spdlog REQUIRED)         # libspdlog-dev
find_package(tl-expected REQUIRED)    # libexpected-dev
find_package(nlohmann_json REQUIRED)  # nlohmann-json3-dev
find_package(OpenSSL 3.0 REQUIRED)    # libssl-dev
find_package(PkgConfig REQUIRED)
pkg_check_modules(XCB REQUIRED IMPORTED_TARGET xcb xcb-shm xcb-damage)  # libxcb*-dev
pkg_check_modules(XTEST REQUIRED IMPORTED_TARGET xcb-xtest)             # libxcb-xtest0-dev: input into Xvfb
pkg_check_modules(WAYLAND REQUIRED IMPORTED_TARGET wayland-client)     # libwayland-dev
pkg_check_modules(X264 REQUIRED IMPORTED_TARGET x264)                  # libx264-dev
pkg_check_modules(X265 REQUIRED IMPORTED_TARGET x265)                  # libx265-dev
pkg_check_modules(ISAL REQUIRED IMPORTED_TARGET libisal)              # libisal-dev
# The reference client decodes with libavcodec and writes PNG snapshots with zlib.
pkg_check_modules(AVCODEC REQUIRED IMPORTED_TARGET libavcodec libavutil)  # libavcodec-dev
find_package(ZLIB REQUIRED)                                            # zlib1g-dev
# Pairing (SPAKE2 over ristretto255) and mDNS discovery through the Avahi daemon.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)              # libsodium-dev
pkg_check_modules(AVAHI REQUIRED IMPORTED_TARGET avahi-client)            # libavahi-client-dev
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)           # libcpp-httplib-dev: the management API
pkg_check_modules(ENET REQUIRED IMPORTED_TARGET libenet)                  # libenet-dev: GameStream's control channel
# Sound: the session's null sink and its monitor (libpulse), Opus, and the
# reference client's playback (SDL2).
pkg_check_modules(PULSE REQUIRED IMPORTED_TARGET libpulse libpulse-simple)  # libpulse-dev
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)                        # libopus-dev
pkg_check_modules(SDL2 REQUIRED IMPORTED_TARGET sdl2)                        # libsdl2-dev
# NVENC is loaded at run time; the build needs only its headers.
find_path(NVENC_INCLUDE_DIR ffnvcodec/nvEncodeAPI.h REQUIRED)         # libffmpeg-nvenc-dev
# libyuv-dev ships no pkg-config file or CMake package: header and library by name.
find_path(LIBYUV_INCLUDE_DIR libyuv.h REQUIRED)
find_library(LIBYUV_LIBRARY yuv REQUIRED)
add_library(pf_libyuv INTERFACE)
target_include_directories(pf_libyuv SYSTEM INTERFACE ${LIBYUV_INCLUDE_DIR})
target_link_libraries(pf_libyuv INTERFACE ${LIBYUV_LIBRARY})
if(PF_BUILD_APPS OR PF_BUILD_BENCH)
  find_package(CLI11 REQUIRED)        # libcli11-dev
endif()
if(PF_BUILD_TESTS)
  find_package(GTest REQUIRED)        # libgtest-dev, libgmock-dev
  include(GoogleTest)
endif()
if(PF_BUILD_BENCH)
  find_package(benchmark REQUIRED)    # libbenchmark-dev
endif()
