from __future__ import annotations

from fastapi import APIRouter, status

from hearth.api.deps import AuthRateLimit, AuthServiceDep
from hearth.schemas.auth import Credentials, RefreshRequest, RegisterRequest, TokenPair
from hearth.schemas.users import UserPublic

router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[AuthRateLimit])


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserPublic,
             summary="Create an account (the first one becomes administrator)")
async def register(body: RegisterRequest, auth: AuthServiceDep) -> object:
    return await auth.register(body.email, body.password, body.display_name)


@router.post("/login", response_model=TokenPair, summary="Exchange email and password for tokens")
async def login(body: Credentials, auth: AuthServiceDep) -> TokenPair:
    issued = await auth.login(body.email, body.password)
    return TokenPair(access_token=issued.access_token, refresh_token=issued.refresh_token,
                     expires_in=issued.expires_in)


@router.post("/refresh", response_model=TokenPair,
             summary="Rotate a refresh token; replaying a spent one revokes its whole family")
async def refresh(body: RefreshRequest, auth: AuthServiceDep) -> TokenPair:
    issued = await auth.refresh(body.refresh_token)
    return TokenPair(access_token=issued.access_token, refresh_token=issued.refresh_token,
                     expires_in=issued.expires_in)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
             summary="Revoke the refresh token and every token rotated from the same sign-in")
async def logout(body: RefreshRequest, auth: AuthServiceDep) -> None:
    await auth.logout(body.refresh_token)
