"""The keyword analyser both index backends share: lower-cased words, English stop words dropped,
Snowball-stemmed (bm25s's tokenizer with PyStemmer)."""

from __future__ import annotations

import logging
from typing import Any

import bm25s
import Stemmer

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import and logs every build

_STEMMER = Stemmer.Stemmer("english")
# Anserini's BM25 defaults for BEIR, set on other collections than the ones we evaluate on; on SciFact
# they also beat Lucene's 1.2/0.75 and bm25s's 1.5/0.75 (README: retrieval evaluation).
K1, B = 0.9, 0.4


def tokenize(texts: list[str]) -> Any:
    """Token ids and vocabulary, the form bm25s indexes and queries."""
    return bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False)


def terms(text: str) -> list[str]:
    """The analysed terms of one text, in order."""
    return bm25s.tokenize([text], stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)[0]
