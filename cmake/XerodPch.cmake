# Precompiled headers (docs/build.md): the heavy third-party headers are parsed
# once per family of targets instead of once per source file.
#
#   xerod_pch(<target> core|test|sim)
#
# core: xerod_core builds the header; xerod, xerod-ctl and the benchmarks reuse it.
# test: xerod_test_pch builds it with GoogleTest added; every test reuses it.
# sim:  xero-sim's libraries, with Beast (only xero-sim's server speaks it).
# sim_data: xero-sim's accounting library (JSON, no Asio), its own header.
#
# A reused header must have been built with the same compile flags and macros;
# when they differ GCC ignores it and parses the headers as usual (correct,
# only slower). -Winvalid-pch makes that visible: `ninja -v` shows the warning.
#
# A source file that forgets an #include still compiles here (the header is
# forced in); -DXEROD_PCH=OFF builds without, which is how to check includes.
option(XEROD_PCH "Use precompiled headers for the heavy third-party headers" ON)

set(_xerod_pch_std
  <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <deque> <expected> <functional>
  <map> <memory> <mutex> <optional> <random> <set> <string> <string_view> <thread>
  <unordered_map> <utility> <vector>)
set(_xerod_pch_core ${_xerod_pch_std}
  <boost/asio/io_context.hpp> <boost/asio/post.hpp> <boost/asio/steady_timer.hpp>
  <fmt/format.h> <fmt/ranges.h> <nlohmann/json.hpp> <spdlog/spdlog.h>)
set(_xerod_pch_test ${_xerod_pch_core} <gtest/gtest.h> <gmock/gmock.h>)
set(_xerod_pch_sim_data ${_xerod_pch_std} <fmt/format.h> <nlohmann/json.hpp>)
set(_xerod_pch_sim ${_xerod_pch_std}
  <boost/asio.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
  <fmt/format.h> <nlohmann/json.hpp>)

# The target that builds each family's header; the others reuse it. sim_data
# has no owner: xero-sim's accounting library is its only user.
set(_xerod_pch_owner_core xerod_core)
set(_xerod_pch_owner_test xerod_test_pch)
set(_xerod_pch_owner_sim xero_sim_core)
set(_xerod_pch_owner_sim_data "")

function(xerod_pch target family)
  if(NOT XEROD_PCH)
    return()
  endif()
  if(NOT DEFINED _xerod_pch_owner_${family})
    message(FATAL_ERROR "xerod_pch: unknown family '${family}'")
  endif()
  if(family STREQUAL "test" AND NOT TARGET xerod_test_pch)
    # Owns the tests' header: the flags and macros of a test (gtest, gmock,
    # xerod_core's interface, xerod_warnings), one empty source.
    add_library(xerod_test_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cc)
    target_link_libraries(xerod_test_pch PRIVATE xerod_core xerod_warnings
                          GTest::gtest GTest::gmock)
    target_precompile_headers(xerod_test_pch PRIVATE ${_xerod_pch_test})
  endif()
  set(owner "${_xerod_pch_owner_${family}}")
  if(owner STREQUAL "" OR target STREQUAL owner)
    target_precompile_headers(${target} PRIVATE ${_xerod_pch_${family}})
  else()
    target_precompile_headers(${target} REUSE_FROM ${owner})
  endif()
  # Visible, not fatal: an unused header makes a build slower, not wrong.
  target_compile_options(${target} PRIVATE -Winvalid-pch -Wno-error=invalid-pch)
  # GCC 12 forgets, for code inlined from a precompiled header, that it came
  # from a system header: its known -Warray-bounds and -Wstringop-overflow/
  # -overread false positives inside std::string (char_traits.h memcpy, as GCC
  # bug 105651 for -Wrestrict) then surface in every file that concatenates
  # strings. The same files compiled without the header report nothing
  # (checked with the header included as text). A build with -DXEROD_PCH=OFF
  # keeps these warnings.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-array-bounds>
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow>
                         $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overread>)
endfunction()
