"""Fixtures: the reference models, a scratch folder, and the loopback mock
exchange (the project's `axon-mockex` binary)."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "python" / "examples"


@pytest.fixture(scope="session")
def models() -> Path:
    return ROOT / "data" / "models"


def load_example(name: str):
    """Imports python/examples/NAME.py as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def mock_exchange():
    """Starts axon-mockex on a free loopback port; yields (rest_url, ws_url)."""
    binary = ROOT / "target" / "debug" / "axon-mockex"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "axon-mockex"], cwd=ROOT, check=True)
    proc = subprocess.Popen(
        [str(binary), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    urls = {}
    while len(urls) < 2:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"axon-mockex exited: {proc.stderr.read()}")
        m = re.match(r"(REST|websocket)\s+(\S+)", line)
        if m:
            urls[m.group(1)] = m.group(2)
    yield urls["REST"], urls["websocket"]
    proc.terminate()
    proc.wait(timeout=10)
