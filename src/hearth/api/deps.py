"""Every dependency alias the routes use, as Annotated types (one place to read them all)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.api.state import AppState
from hearth.core.errors import Forbidden, Unauthenticated
from hearth.core.scopes import Principal, Scope
from hearth.core.settings import Settings
from hearth.services.agent_runs import AgentRunService
from hearth.services.agents import AgentService
from hearth.services.api_keys import ApiKeyService
from hearth.services.auth import AuthService
from hearth.services.chat import ChatService
from hearth.services.jobs import JobService
from hearth.services.kb import KnowledgeService
from hearth.services.kb_answers import KnowledgeAnswerService
from hearth.services.usage import UsageRecorder
from hearth.services.users import UserService
from hearth.services.webhooks import WebhookService

_bearer = HTTPBearer(auto_error=False, description="An access token from /auth/login, or an API key (hk_...).")


def get_state(request: Request) -> AppState:
    return request.app.state.hearth


State = Annotated[AppState, Depends(get_state)]


def get_settings(state: State) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]


async def get_principal(
    security_scopes: SecurityScopes,
    state: State,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send Authorization: Bearer <access token or API key>")
    principal = await AuthService(session, state.settings).authenticate(credentials.credentials)
    missing = [s for s in security_scopes.scopes if Scope(s) not in principal.scopes]
    if missing:
        raise Forbidden(f"this credential lacks the scope: {', '.join(missing)}", missing_scopes=missing)
    await state.limiter.hit(state.settings.rate_limit_per_principal, principal.rate_limit_key)
    return principal


CurrentPrincipal = Annotated[Principal, Security(get_principal)]
AdminPrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.ADMIN])]
ChatPrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.CHAT])]
KbReadPrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.KB_READ])]
KbWritePrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.KB_WRITE])]
AgentsPrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.AGENTS])]
WorkflowsPrincipal = Annotated[Principal, Security(get_principal, scopes=[Scope.WORKFLOWS])]


def require_account_control(principal: CurrentPrincipal) -> Principal:
    """Managing credentials needs a signed-in session or an admin-scoped key: a leaked narrow key
    must not be able to mint itself new keys."""
    if principal.via != "session" and not principal.has(Scope.ADMIN):
        raise Forbidden("managing API keys needs a signed-in session or a key with the admin scope")
    return principal


AccountPrincipal = Annotated[Principal, Depends(require_account_control)]


async def limit_auth_by_ip(request: Request, state: State) -> None:
    client = request.client.host if request.client else "unknown"
    await state.limiter.hit(state.settings.rate_limit_auth_per_ip, "auth-ip", client)


AuthRateLimit = Depends(limit_auth_by_ip)


def get_auth_service(session: Session, settings: SettingsDep) -> AuthService:
    return AuthService(session, settings)


def get_user_service(session: Session) -> UserService:
    return UserService(session)


def get_api_key_service(session: Session) -> ApiKeyService:
    return ApiKeyService(session)


def get_job_service(session: Session) -> JobService:
    return JobService(session)


def get_webhook_service(session: Session, settings: SettingsDep) -> WebhookService:
    return WebhookService(session, settings)


def get_chat_service(state: State) -> ChatService:
    return ChatService(state.sessions, state.llm, state.jobs, state.settings)


ChatServiceDep = Annotated[ChatService, Depends(get_chat_service)]


def get_knowledge_service(state: State) -> KnowledgeService:
    return KnowledgeService(state.sessions, state.runtime.kb, state.jobs, state.settings, state.llm)


KnowledgeServiceDep = Annotated[KnowledgeService, Depends(get_knowledge_service)]


def get_answer_service(state: State, kb: KnowledgeServiceDep) -> KnowledgeAnswerService:
    return KnowledgeAnswerService(kb, state.llm, state.settings, UsageRecorder(state.sessions))


AnswerServiceDep = Annotated[KnowledgeAnswerService, Depends(get_answer_service)]


def get_agent_service(state: State) -> AgentService:
    return AgentService(state.sessions, state.runtime.tools, state.llm, state.settings)


def get_agent_run_service(state: State) -> AgentRunService:
    return AgentRunService(state.runtime)


AgentServiceDep = Annotated[AgentService, Depends(get_agent_service)]
AgentRunServiceDep = Annotated[AgentRunService, Depends(get_agent_run_service)]
AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
UserServiceDep = Annotated[UserService, Depends(get_user_service)]
ApiKeyServiceDep = Annotated[ApiKeyService, Depends(get_api_key_service)]
JobServiceDep = Annotated[JobService, Depends(get_job_service)]
WebhookServiceDep = Annotated[WebhookService, Depends(get_webhook_service)]


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page.")] = None,
) -> tuple[int, str | None]:
    return limit, cursor


PageParams = Annotated[tuple[int, str | None], Depends(page_params)]
