"""Hot reload: a watcher swaps the model when its file changes; asyncio code
waits for the new version with `await rx.changed()`.

    python examples/hot_reload.py [MODELS_DIR]
"""

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from axon_quant import CandleBackend, InferenceBackend, ModelConfig, ModelHotReloader


async def main(models: Path) -> tuple[int, int]:
    work = Path(tempfile.mkdtemp(prefix="axon-reload-"))
    live = work / "live.safetensors"
    shutil.copy(models / "mlp_4.safetensors", live)
    config = ModelConfig(path=live, backend=InferenceBackend.CANDLE, input_shape=[1, 4])
    model = CandleBackend(config).load()
    reloader = ModelHotReloader(model, config)
    reloader.spawn_watcher()
    rx = reloader.subscribe()
    before = rx.borrow()
    x = np.array([[0.5, -0.2, 0.1, 0.3]], dtype=np.float32)
    print("version", before, "predicts", model.predict(x))

    # Deploy the other model atomically: write beside, then rename.
    staged = work / "next.tmp"
    shutil.copy(models / "mlp_16.safetensors", staged)
    # mlp_16 takes 16 inputs: the watcher refuses it and the old model keeps serving.
    os.replace(staged, live)
    await asyncio.sleep(1.5)
    print("after a wrong-shape file: version", rx.borrow(), "failures", reloader.failures)

    shutil.copy(models / "mlp_4.safetensors", staged)
    with open(staged, "r+b") as f:  # same model, one weight nudged: new bytes
        f.seek(-4, os.SEEK_END)
        f.write(np.float32(0.25).tobytes())
    os.replace(staged, live)
    after = await asyncio.wait_for(rx.changed(), timeout=10)
    print("version", after, "predicts", model.predict(x))
    reloader.stop()
    shutil.rmtree(work)
    return before, after


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "models"))
