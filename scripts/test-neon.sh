#!/usr/bin/env bash
# Builds the integer kernels (Sources/CQuantKernels) for 64-bit Arm and runs
# scripts/neon/kernels_test.c under user-mode emulation: the NEON kernels must equal the portable
# ones bit for bit. Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user-static
# (installed with apt-get when run as root). Not part of .ci/run (CI is x86-64).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static)
if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64-static >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q "${packages[@]}" >/dev/null
  else
    echo "scripts/test-neon.sh needs the Debian packages: ${packages[*]} (run as root or install them)" >&2
    exit 1
  fi
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
aarch64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -ISources/CQuantKernels/include -ISources/CQuantKernels \
  Sources/CQuantKernels/*.c scripts/neon/kernels_test.c -o "$out/kernels_test"
qemu-aarch64-static "$out/kernels_test"
