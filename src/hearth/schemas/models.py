from __future__ import annotations

from hearth.llm.messages import ModelInfo
from hearth.schemas.common import ResponseModel


class ModelList(ResponseModel):
    default_chat_model: str
    embedding_model: str
    models: list[ModelInfo]
    unavailable: dict[str, str]
