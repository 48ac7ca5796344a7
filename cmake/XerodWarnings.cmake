# Target-scoped compiler flags. Link xerod_warnings PRIVATE into every first-party target.
add_library(xerod_warnings INTERFACE)
target_compile_options(xerod_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports false -Wrestrict positives inside std::string (GCC bug 105651).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${XEROD_WERROR}>:-Werror>
  $<$<CONFIG:Debug>:-D_GLIBCXX_ASSERTIONS>)

if(XEROD_SANITIZE)
  # Applied globally so every object (including test code and gtest callers) agrees.
  add_compile_options(-fsanitize=${XEROD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${XEROD_SANITIZE})
  # GCC 12 reports false -Wmismatched-new-delete on Asio coroutine frames under ASan.
  target_compile_options(xerod_warnings INTERFACE $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
endif()

# XEROD_DEBUG_INFO=lines: -g1 after the build type's -g (the last one wins):
# line tables and function names only, so backtraces, gdb `bt` and sanitizer
# reports keep file:line but not variables. scripts/test.sh (and so CI) uses
# it: the Asio/Beast and sdbus-c++ files compile 20-40 % faster without full
# debug info.
if(XEROD_DEBUG_INFO STREQUAL "lines")
  add_compile_options(-g1)
endif()
