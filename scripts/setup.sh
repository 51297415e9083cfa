#!/usr/bin/env bash
# Installs what ecg-beats needs on a fresh Debian 12 machine, then the npm packages (which builds the
# libtorch addon). Idempotent: installs only what is missing.
#   libtorch: $LIBTORCH, a Python torch, or Debian's libtorch-dev (+ libopenblas0-pthread, so that
#             libblas.so.3 is OpenBLAS and not the slow reference BLAS; + libgloo-dev, the headers of
#             the Gloo library Debian's libtorch was built with, for data-parallel training);
#   python3-torch: the PyTorch reference the tests and benchmarks compare against;
#   chromium: the headless browser the report and viewer tests render in.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
if ! node native/find-libtorch.mjs >/dev/null 2>&1; then need+=(libtorch-dev); fi
if [ -z "${LIBTORCH:-}" ]; then
  dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
  dpkg -s libgloo-dev >/dev/null 2>&1 || need+=(libgloo-dev)
fi
if [ "${ECG_SKIP_TEST_DEPS:-0}" != "1" ]; then
  /usr/bin/python3 -c "import torch, numpy" >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
  command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

npm ci --no-audit --no-fund
npm run build
