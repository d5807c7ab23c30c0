from __future__ import annotations

from fastapi import APIRouter, status

from hearth.api.deps import AccountPrincipal, AdminPrincipal, CurrentPrincipal, PageParams, UserServiceDep
from hearth.schemas.auth import RegisterRequest
from hearth.schemas.common import PageOut
from hearth.schemas.users import UserAdminUpdate, UserPublic, UserSelfUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic, summary="The signed-in user")
async def read_me(principal: CurrentPrincipal, users: UserServiceDep) -> object:
    return await users.me(principal)


@router.patch("/me", response_model=UserPublic,
              summary="Change your display name, email or password (the latter two need current_password)")
async def update_me(body: UserSelfUpdate, principal: CurrentPrincipal, users: UserServiceDep) -> object:
    return await users.update_me(principal, body)


@router.get("", response_model=PageOut[UserPublic], summary="All users, newest first (admin)")
async def list_users(_: AdminPrincipal, page: PageParams, users: UserServiceDep) -> object:
    return PageOut.of(await users.list(*page), UserPublic)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UserPublic,
             summary="Create a user, even with registration closed (admin)")
async def create_user(body: RegisterRequest, _: AdminPrincipal, __: AccountPrincipal,
                      users: UserServiceDep) -> object:
    return await users.create(body.email, body.password, display_name=body.display_name)


@router.get("/{user_id}", response_model=UserPublic, summary="One user (admin)")
async def read_user(user_id: str, _: AdminPrincipal, users: UserServiceDep) -> object:
    return await users.get(user_id)


@router.patch("/{user_id}", response_model=UserPublic,
              summary="Change a user: deactivate, promote, reset password (admin)")
async def update_user(user_id: str, body: UserAdminUpdate, principal: AdminPrincipal,
                      users: UserServiceDep) -> object:
    return await users.admin_update(principal, user_id, body)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a user and everything they own (admin)")
async def delete_user(user_id: str, principal: AdminPrincipal, users: UserServiceDep) -> None:
    await users.delete(principal, user_id)
