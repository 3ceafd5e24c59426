"""The model run by ONNX Runtime with the `tokenizers` library: the same weights as the
sentence-transformers model (exported by ``onnx_export``), without importing PyTorch, which is
most of a cold start. sentence-transformers' own ONNX backend still imports torch and
transformers, so it would not save that time."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

# Texts are sorted by length and run in batches of about BATCH_CHARS characters: little
# padding, and activations that stay in cache. On two cores that measured best both for
# ~850-character chunks (4 a batch: 192 texts/s, against 173 at 16) and for ~150-character
# answer sentences (~20 a batch: 810/s, against 700 at 4).
BATCH_CHARS = 3600
MAX_BATCH = 32
MODEL_FILES = {"float32": "model.onnx", "int8": "model.int8.onnx"}


class OnnxEncoder:
    """Normalised embeddings from an exported model folder (see ``onnx_export``). ``bulk``
    tunes it for many texts at a time (ingest) rather than one question."""

    def __init__(self, folder: Path, precision: str = "float32", bulk: bool = False) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = folder
        self.precision = precision
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        self.dimension = int(meta["dimension"])
        self.inputs: list[str] = list(meta["inputs"])
        self.lower_case = bool(meta.get("do_lower_case", False))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(meta["max_seq_length"]))
        tokenizer.enable_padding(pad_id=int(meta["pad_token_id"]), pad_token=meta["pad_token"])
        self.tokenizer = tokenizer
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.inter_op_num_threads = 1
        if bulk:
            # many texts: one batch per core at a time, single-threaded runs that do not spin,
            # so a Chroma write running beside the model gets a core when it needs one
            options.intra_op_num_threads = 1
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._pool = ThreadPoolExecutor(max_workers=cpus or 1, thread_name_prefix="embed")
        else:
            # one question: all cores on it (ONNX Runtime's own default measured slower here)
            options.intra_op_num_threads = cpus or 1
            self._pool = None
        self.session = ort.InferenceSession(
            str(folder / MODEL_FILES[precision]), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        texts = [t.lower() for t in texts] if self.lower_case else list(texts)
        order = np.argsort([len(t) for t in texts], kind="stable")
        batches = _batches(order, [len(texts[i]) for i in order])
        run = lambda rows: self._run([texts[i] for i in rows])  # noqa: E731
        results = self._pool.map(run, batches) if self._pool and len(batches) > 1 else map(run, batches)
        for rows, vectors in zip(batches, results, strict=True):
            out[rows] = vectors
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return self.session.run(None, {name: feeds[name] for name in self.inputs})[0]


def _batches(order: np.ndarray, lengths: list[int]) -> list[np.ndarray]:
    """``order`` (texts by increasing length) cut where adding the next, longest-so-far text
    would pass BATCH_CHARS of padded text, or MAX_BATCH texts."""
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        last = end == len(order)
        if last or end - start >= MAX_BATCH or (end + 1 - start) * lengths[end] > BATCH_CHARS:
            batches.append(order[start:end])
            start = end
    return batches
