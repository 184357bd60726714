"""The type stubs of axon_quant._native match the compiled module.

mypy's stubtest imports the module and compares every class, method,
property, function and constant (names, parameters, defaults, finality)
with axon_quant/_native.pyi; mypy --strict checks the stub itself.
"""

import subprocess
import sys
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[1]
STUB = PYTHON / "axon_quant" / "_native.pyi"
ALLOWLIST = PYTHON / "stubtest-allowlist.txt"


def run(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cache,  # mypy writes its cache here, not into the checkout
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_stub_matches_runtime(tmp_path: Path) -> None:
    args = ["mypy.stubtest", "axon_quant._native"]
    if ALLOWLIST.exists():
        args += ["--allowlist", str(ALLOWLIST)]
    result = run(args, tmp_path)
    assert result.returncode == 0, f"stubtest:\n{result.stdout}\n{result.stderr}"


def test_stub_passes_mypy_strict(tmp_path: Path) -> None:
    result = run(["mypy", "--strict", "--no-incremental", str(STUB)], tmp_path)
    assert result.returncode == 0, f"mypy --strict:\n{result.stdout}\n{result.stderr}"
