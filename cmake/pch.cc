// SPDX-License-Identifier: MIT
// The source of xerod_test_pch, which exists to own the tests' precompiled
// header (cmake/XerodPch.cmake). Nothing to compile.
