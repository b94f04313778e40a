#!/bin/bash
# The arm64 real-kernel tier: tests/vm/run.sh with DPCPI_VM_ARCH=arm64 (Debian's arm64 kernel under
# qemu-system-aarch64 TCG, self-contained linux-arm64 publishes; see tests/vm/README.md).
# Exit codes and the last line as run.sh ("vm-arm64: N passed, N failed[, N skipped]").
DPCPI_VM_ARCH=arm64 exec bash "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
