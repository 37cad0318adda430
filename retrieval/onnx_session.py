"""ONNX Runtime sessions that start fast: the optimised graph is cached on disk.

Optimising a graph at load costs more than the search a CLI command runs (0.38 s for the int8
MiniLM embedder on 2 cores: constant folding turns its int8 weights into float ones). ONNX
Runtime can save the graph it optimised (`SessionOptions.optimized_model_filepath`); with the
weights saved as an external data file beside it, a later load reads that graph with
optimisation off in 0.10 s and computes the same numbers (a single 90 MB protobuf file takes
0.3 s to parse). The cache key names the model file (path, size, mtime) and the onnxruntime
version, so a changed model or runtime gets a fresh graph. The cache is only an accelerator:
when it cannot be written or read, the model is loaded as is.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from medcite.core.settings import ModelSettings
from medcite.paths import cache_dir

log = logging.getLogger(__name__)

_LEVEL = "ORT_ENABLE_EXTENDED"  # portable across CPUs of one kind; ENABLE_ALL adds layout passes
GRAPH_FILE = "model.onnx"
WEIGHTS_FILE = "weights.data"  # external initializers, named relative to GRAPH_FILE


def _options(ort: Any, level: str) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
    threads = ModelSettings().onnx_threads
    if threads > 0:  # a server with several worker processes gives each a share of the cores
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    # idle threads spinning between runs take CPU from the other requests of a busy server
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def cached_graph_dir(model: Path, root: Path | None = None) -> Path:
    """The folder that holds (or would hold) the optimised graph of `model`."""
    import onnxruntime as ort

    stat = model.stat()
    key = f"{model.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{ort.__version__}|{_LEVEL}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return (root or cache_dir()) / "onnx" / f"{model.stem}-{digest}"


def onnx_session(model: Path, cache: bool = True, root: Path | None = None) -> Any:
    """An `onnxruntime.InferenceSession` on CPU for `model`, through the optimised-graph cache."""
    import onnxruntime as ort

    providers = ["CPUExecutionProvider"]
    if not cache:
        return ort.InferenceSession(str(model), _options(ort, "ORT_ENABLE_ALL"), providers=providers)
    cached = cached_graph_dir(model, root)
    if (cached / GRAPH_FILE).is_file():
        try:
            return ort.InferenceSession(
                str(cached / GRAPH_FILE), _options(ort, "ORT_DISABLE_ALL"), providers=providers
            )
        except Exception as exc:  # a truncated or foreign file: rebuild it below
            log.warning("ignoring unreadable cached graph %s (%s); rebuilding it", cached, exc)
            shutil.rmtree(cached, ignore_errors=True)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cached.parent, prefix=f".{cached.name}-"))
    except OSError as exc:
        log.debug("no graph cache at %s (%s); loading %s as is", cached.parent, exc, model)
        return ort.InferenceSession(str(model), _options(ort, "ORT_ENABLE_ALL"), providers=providers)
    options = _options(ort, _LEVEL)
    options.optimized_model_filepath = str(building / GRAPH_FILE)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS_FILE)
    options.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    try:
        session = ort.InferenceSession(str(model), options, providers=providers)
        try:
            building.chmod(0o755)
            building.rename(cached)  # atomic: readers see no folder or the whole folder
            log.debug("cached the optimised graph of %s at %s", model, cached)
        except OSError:  # another process cached it first
            pass
        return session
    finally:
        shutil.rmtree(building, ignore_errors=True)
