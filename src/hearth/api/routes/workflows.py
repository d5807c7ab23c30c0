from __future__ import annotations

import json
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from hearth.api.deps import PageParams, State, WorkflowsPrincipal
from hearth.core.errors import InvalidInput
from hearth.schemas.common import PageOut
from hearth.schemas.workflows import (
    DefinitionCreate,
    DefinitionPublic,
    DefinitionUpdate,
    ExecuteAccepted,
    ExecuteRequest,
    ResumeRequest,
    RunPublic,
)
from hearth.services.workflow_runs import WorkflowRunService
from hearth.services.workflows import WorkflowService

router = APIRouter(prefix="/workflows", tags=["workflows"])
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}


class _NoAliasLoader(yaml.SafeLoader):
    """YAML aliases can expand a small body into an enormous tree; definitions do not need them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed")
        return super().compose_node(parent, index)


def _body_reader(model: type[BaseModel]):  # type: ignore[no-untyped-def]
    async def read(request: Request) -> BaseModel:
        raw = await request.body()
        media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        try:
            data = yaml.load(raw, Loader=_NoAliasLoader) if media in YAML_TYPES else json.loads(raw)
        except (ValueError, yaml.YAMLError) as exc:
            kind = "YAML" if media in YAML_TYPES else "JSON"
            raise InvalidInput(f"the body is not valid {kind}: {str(exc).splitlines()[0][:200]}") from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from None

    return read


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema},
                                                          "application/yaml": {"schema": schema}}}}


def _services(state: State) -> tuple[WorkflowService, WorkflowRunService]:
    return WorkflowService(state.runtime), WorkflowRunService(state.runtime)


Services = Annotated[tuple[WorkflowService, WorkflowRunService], Depends(_services)]
CreateBody = Annotated[DefinitionCreate, Depends(_body_reader(DefinitionCreate))]
UpdateBody = Annotated[DefinitionUpdate, Depends(_body_reader(DefinitionUpdate))]


async def _run_public(runs: WorkflowRunService, run: Any) -> RunPublic:
    return RunPublic.of(run, await runs.steps(run), runs.runtime.settings.workflow_output_preview_chars)


@router.post("/definitions", response_model=DefinitionPublic, status_code=status.HTTP_201_CREATED,
             openapi_extra=_body_doc(DefinitionCreate), summary="Save a workflow (JSON or YAML body)")
async def create_definition(principal: WorkflowsPrincipal, body: CreateBody, services: Services) -> Any:
    return await services[0].create(principal, body.name, body.definition)


@router.get("/definitions", response_model=PageOut[DefinitionPublic], summary="Your workflows, newest first")
async def list_definitions(principal: WorkflowsPrincipal, page: PageParams, services: Services) -> Any:
    return PageOut.of(await services[0].list(principal, *page), DefinitionPublic)


@router.get("/definitions/{definition_id}", response_model=DefinitionPublic, summary="A workflow's current version")
async def read_definition(definition_id: str, principal: WorkflowsPrincipal, services: Services) -> Any:
    return await services[0].get(principal, definition_id)


@router.put("/definitions/{definition_id}", response_model=DefinitionPublic, openapi_extra=_body_doc(DefinitionUpdate),
            summary="Replace a workflow's definition; saves a new version")
async def update_definition(definition_id: str, principal: WorkflowsPrincipal, body: UpdateBody,
                            services: Services) -> Any:
    return await services[0].update(principal, definition_id, body.name, body.definition)


@router.delete("/definitions/{definition_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               summary="Delete a workflow, its versions and its runs")
async def delete_definition(definition_id: str, principal: WorkflowsPrincipal, services: Services) -> Response:
    await services[0].delete(principal, definition_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/definitions/{definition_id}/runs", response_model=PageOut[RunPublic],
            summary="A workflow's runs, newest first (without steps)")
async def list_runs(definition_id: str, principal: WorkflowsPrincipal, page: PageParams, services: Services) -> Any:
    found = await services[1].list(principal, definition_id, *page)
    preview = services[1].runtime.settings.workflow_output_preview_chars
    return PageOut[RunPublic](items=[RunPublic.of(r, [], preview) for r in found.items], next_cursor=found.next_cursor)


@router.post("/execute", response_model=ExecuteAccepted, status_code=status.HTTP_202_ACCEPTED,
             summary="Run a workflow as a background job; follow it at /workflows/runs/{run_id} or /jobs/{job_id}")
async def execute(body: ExecuteRequest, principal: WorkflowsPrincipal, services: Services) -> Any:
    run = await services[1].start(principal, body.definition_id, body.inputs)
    return JSONResponse(ExecuteAccepted(run_id=run.id, job_id=run.job_id, state=run.state).model_dump(),
                        status_code=status.HTTP_202_ACCEPTED)


@router.get("/runs/{run_id}", response_model=RunPublic, summary="A run and each step's state, output and timings")
async def read_run(run_id: str, principal: WorkflowsPrincipal, services: Services) -> RunPublic:
    return await _run_public(services[1], await services[1].get(principal, run_id))


@router.post("/runs/{run_id}/cancel", response_model=RunPublic, summary="Cancel a run; running steps stop cooperatively")
async def cancel_run(run_id: str, principal: WorkflowsPrincipal, services: Services) -> RunPublic:
    return await _run_public(services[1], await services[1].cancel(principal, run_id))


@router.post("/runs/{run_id}/resume", response_model=RunPublic,
             summary="Give a waiting human_input step its data; the run goes on")
async def resume_run(run_id: str, body: ResumeRequest, principal: WorkflowsPrincipal, services: Services) -> RunPublic:
    return await _run_public(services[1], await services[1].resume(principal, run_id, body.step_id, body.data))
