from __future__ import annotations

from fastapi import APIRouter

from hearth.api.deps import ChatPrincipal, State
from hearth.schemas.models import ModelList

router = APIRouter(tags=["models"])


@router.get("/models", response_model=ModelList,
            summary="Every configured provider's models with capabilities (chat, tools, vision, embedding, "
                    "context length)")
async def list_models(_principal: ChatPrincipal, state: State) -> ModelList:
    models, unavailable = await state.llm.list_models()
    return ModelList(default_chat_model=await state.llm.default_chat_model(),
                     embedding_model=state.settings.embedding_model, models=models, unavailable=unavailable)
