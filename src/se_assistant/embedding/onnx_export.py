"""Export a sentence-transformers model to ONNX once, with an int8 copy, into a cache folder.

The export runs the model's own modules (transformer, pooling, normalisation) under
``torch.onnx.export``, quantizes the weights with ONNX Runtime's dynamic quantization, and
checks both files against sentence-transformers on probe texts before the folder is used.
Folders are keyed by the model's files, so an updated model is exported again."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from se_assistant.embedding.onnx_encoder import MODEL_FILES, OnnxEncoder
from se_assistant.embedding.torch_encoder import (
    EXPORT_EXTRA,
    EXPORT_MODULES,
    load_sentence_transformer,
)
from se_assistant.errors import extra_needed

EXPORT_VERSION = 2
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
# Least cosine to sentence-transformers' own output on the probes: float32 must be the same
# model; int8 measured 0.98-0.99 on MiniLM, which moves passages, not the answer thresholds.
MIN_COSINE = {"float32": 0.9999, "int8": 0.95}
PROBES = (
    "how was the foundation funded?",
    "La coopérative accompagne l'entrepreneuriat à Bruxelles: « GRAINES », été 2018.",
    "x",
    "  Leading and trailing spaces, UPPER case and digits 1,234.5  ",
    " ".join(["The network links local enterprises, universities and towns."] * 40),
)


class ExportError(Exception):
    """The model cannot run under ONNX Runtime; the message says why."""


def export_folder(model_path: str, cache_root: Path) -> Path:
    """The cache folder for ``model_path`` (exported now if missing or stale)."""
    folder = cache_root / _folder_name(model_path)
    if (folder / "meta.json").exists():
        return folder
    cache_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=cache_root))
    try:
        _export_into(model_path, work)
        try:
            work.rename(folder)
        except OSError:  # another process finished the same export first: use theirs
            if not (folder / "meta.json").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _folder_name(model_path: str) -> str:
    """A readable, content-keyed name: the model's last path part and a hash of its files."""
    digest = hashlib.sha256(f"v{EXPORT_VERSION}|{model_path}".encode())
    root = Path(model_path)
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            stat = path.stat()
            digest.update(f"|{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name or "model")[:40]
    return f"{stem}-{digest.hexdigest()[:16]}"


def _export_into(model_path: str, work: Path) -> None:
    with extra_needed(*EXPORT_EXTRA, *EXPORT_MODULES):
        import onnx  # noqa: F401  (the quantizer needs it; checked here, before the long export)
        import torch

    # eager attention traces to plain MatMul/Softmax, which ONNX Runtime fuses and quantizes
    # well: int8 measured 190 texts/s against 145 for the SDPA trace (2 cores, ~160 tokens)
    model = load_sentence_transformer(model_path, attn_implementation="eager")
    tokenizer = model.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise ExportError("its tokenizer has no fast (tokenizer.json) version")
    names = [n for n in tokenizer.model_input_names if n in INPUT_NAMES]
    if "input_ids" not in names or "attention_mask" not in names:
        raise ExportError(f"it takes inputs {tokenizer.model_input_names}")
    model.eval().requires_grad_(False)

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model  # a submodule, so its weights export as initializers to quantize

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(names, tensors, strict=True)))["sentence_embedding"]

    sample = tokenizer(["a probe", "a longer probe sentence"], padding=True, return_tensors="pt")
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}}
    float_file = work / MODEL_FILES["float32"]
    try:
        # the tracer's and the quantizer's advice is for model authors, not for our users
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.WARNING)
            torch.onnx.export(
                Pooled(),
                tuple(sample[n] for n in names),
                str(float_file),
                input_names=names,
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
            _quantize(float_file, work / MODEL_FILES["int8"])
    except Exception as exc:  # the exporter's errors are many and long: keep the first line
        raise ExportError(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None
    finally:
        logging.disable(logging.NOTSET)
    tokenizer.save_pretrained(str(work))
    meta: dict[str, Any] = {
        "model": model_path,
        "export_version": EXPORT_VERSION,
        "inputs": names,
        "dimension": int(model.get_embedding_dimension()),
        "max_seq_length": int(model.max_seq_length),
        "do_lower_case": bool(getattr(model[0], "do_lower_case", False)),
        "pad_token": tokenizer.pad_token,
        "pad_token_id": int(tokenizer.pad_token_id),
    }
    (work / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")
    reference = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True)
    for precision, least in MIN_COSINE.items():
        got = OnnxEncoder(work, precision).embed(list(PROBES))
        cosine = float(np.min(np.sum(got * reference, axis=1)))
        meta[f"probe_cosine_{precision}"] = round(cosine, 6)
        if cosine < least:
            raise ExportError(
                f"the {precision} export differs from the model (cosine {cosine:.4f})"
            )
    (work / "meta.json").write_text(json.dumps(meta, indent=2), "utf-8")


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
