// SPDX-License-Identifier: MIT
#include <cstdio>

#include "xerod/version.h"

int main() {
  std::printf("xerod %s\n", xerod::kVersion);
  return 0;
}
