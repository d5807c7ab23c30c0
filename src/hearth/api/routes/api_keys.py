from __future__ import annotations

from fastapi import APIRouter, status

from hearth.api.deps import AccountPrincipal, ApiKeyServiceDep, PageParams
from hearth.schemas.api_keys import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from hearth.schemas.common import PageOut

router = APIRouter(prefix="/api-keys", tags=["api keys"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated,
             summary="Mint a scoped key; the secret is in this response only")
async def create_key(body: ApiKeyCreate, principal: AccountPrincipal, keys: ApiKeyServiceDep) -> ApiKeyCreated:
    minted = await keys.create(principal, body)
    return ApiKeyCreated.model_validate({**ApiKeyPublic.model_validate(minted.record).model_dump(),
                                         "key": minted.secret})


@router.get("", response_model=PageOut[ApiKeyPublic], summary="Your keys (never their secrets)")
async def list_keys(principal: AccountPrincipal, page: PageParams, keys: ApiKeyServiceDep) -> object:
    return PageOut.of(await keys.list(principal, *page), ApiKeyPublic)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a key")
async def revoke_key(key_id: str, principal: AccountPrincipal, keys: ApiKeyServiceDep) -> None:
    await keys.revoke(principal, key_id)
