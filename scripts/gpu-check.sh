#!/usr/bin/env bash
# CUDA inference against the CPU on the [1, 64, 128] reference model, with
# timings, on a GPU host without network. Runs the prebuilt `inference`
# example (build it on the CPU machine first, with the runtimes fetched:
#   cargo build --release -p axon-inference --features tch --example inference
# and copy the repository, including target/release/examples/ and .runtime/).
#
# For tch, CUDA comes from the PyTorch installed on the host: its
# libtorch_cuda.so is loaded before first use ($AXON_TORCH_CUDA_LIB, else the
# one `python3 -c 'import torch'` finds). It must be the LibTorch version the
# binary was built against (.runtime/libtorch/build-version); the script
# checks and says so. ONNX Runtime uses CUDA only with a GPU build of its
# library ($AXON_ONNXRUNTIME_LIB); candle needs its CUDA feature. Backends
# that cannot use the GPU report why and the others still run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/examples/inference"
[ -x "$bin" ] || { echo "gpu-check: $bin missing; build it as this script's header says" >&2; exit 2; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "gpu-check: nvidia-smi not found"
want=$(cat "$root/.runtime/libtorch/build-version" 2>/dev/null || echo unknown)
have=$(python3 -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || echo none)
echo "gpu-check: LibTorch of this build: $want; PyTorch on this host: $have"
if [ "$have" != "$want" ]; then
  echo "gpu-check: tch on CUDA needs PyTorch $want here; its result below will say it is unavailable or fail"
fi
"$bin" --device "${1:-cuda:0}" --n "${2:-5000}"
