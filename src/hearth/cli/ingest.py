"""`hearth ingest PATH... --collection NAME`: upload files (directories are walked) into a collection
through the same service and `kb.ingest` job the API uses, with a progress bar fed by the job. On the
embedded queue this process runs the job itself; with a Redis queue the workers do and this follows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hearth.cli.common import settings_or_exit
from hearth.core.errors import HearthError, NotFound
from hearth.core.scopes import Principal, Scope
from hearth.core.settings import Settings
from hearth.db import migrate
from hearth.db.tables import Collection, Document, Job
from hearth.repositories.kb import KnowledgeRepository
from hearth.repositories.users import UserRepository
from hearth.runtime import Runtime, build_runtime
from hearth.services.kb import KnowledgeService, Upload

TERMINAL = {"succeeded", "failed", "cancelled"}
Report = Callable[[int, int, str], None]


def files_under(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    return found


async def _owner(runtime: Runtime, email: str | None) -> Principal:
    async with runtime.sessions() as session:
        users = UserRepository(session)
        if email is not None:
            user = await users.get_by_email(email.lower())
            if user is None:
                raise NotFound(f"no user {email}; create one with `hearth users create`")
        else:
            page = await users.list(2, None)
            if len(page.items) != 1:
                raise NotFound("name the collection's owner with --user EMAIL")
            user = page.items[0]
    return Principal(user.id, user.is_admin, frozenset(Scope), "session")


async def _collection(kb: KnowledgeService, runtime: Runtime, principal: Principal, name: str) -> Collection:
    async with runtime.sessions() as session:
        existing = await KnowledgeRepository(session).collection_by_name(principal.user_id, name)
    return existing or await kb.create_collection(principal, name, None)


async def _follow(runtime: Runtime, job_id: str, report: Report) -> Job:
    while True:
        job = await runtime.job_store.get(job_id)
        assert job is not None
        report(job.progress_done, job.progress_total or 0, job.stage or job.state)
        if job.state in TERMINAL:
            return job
        await asyncio.sleep(0.2)


async def ingest(settings: Settings, files: list[Path], collection_name: str, email: str | None,
                 report: Report) -> tuple[Collection, list[Document]]:
    runtime = build_runtime(settings)
    try:
        if settings.should_auto_migrate:
            await migrate.upgrade(runtime.engine)
        principal = await _owner(runtime, email)
        kb = KnowledgeService(runtime.sessions, runtime.kb, runtime.jobs, settings)
        collection = await _collection(kb, runtime, principal, collection_name)
        uploads = [Upload(path.name, path.read_bytes()) for path in files]
        job, documents = await kb.upload(principal, collection.id, uploads, {}, "skip")
        if job is not None:
            if settings.queue_backend == "embedded":
                await runtime.jobs.start_workers()
            await _follow(runtime, job.id, report)
        queued = [d.id for d in documents if d.status == "queued"]
        async with runtime.sessions() as session:
            stored = {d.id: d for d in await KnowledgeRepository(session).documents_by_ids(queued)}
        return collection, [stored.get(d.id, d) if d.status == "queued" else d for d in documents]
    finally:
        await runtime.close()


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories (walked; hidden files skipped).")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection name; created if missing.")],
    user: Annotated[str | None, typer.Option(help="Owner's email; optional when there is a single user.")] = None,
) -> None:
    """Ingest documents into a collection, with a progress bar."""
    settings = settings_or_exit()
    try:
        files = files_under(paths)
    except FileNotFoundError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    too_big = [f for f in files if f.stat().st_size > settings.kb_max_file_bytes]
    for path in too_big:
        typer.secho(f"skipped {path}: larger than the {settings.kb_max_file_bytes // 1_048_576} MB per-file limit",
                    err=True, fg=typer.colors.YELLOW)
    files = [f for f in files if f not in too_big]
    if not files:
        typer.secho("error: no files to ingest", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2)
    console = Console()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("ingest", total=len(files))

        def report(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total or len(files), description=f"ingest {stage[:50]}")

        try:
            coll, documents = asyncio.run(ingest(settings, files, collection, user, report))
        except HearthError as exc:
            typer.secho(f"error: {exc.detail}", err=True, fg=typer.colors.RED)
            raise typer.Exit(code=1) from exc
    counts: dict[str, int] = {}
    for document in documents:
        counts[document.status] = counts.get(document.status, 0) + 1
        if document.status == "failed":
            typer.secho(f"failed {document.filename}: {document.error}", err=True, fg=typer.colors.YELLOW)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    console.print(f"collection {coll.name} ({coll.id}): {summary}")
    if counts.get("failed") == len(documents):
        raise typer.Exit(code=1)
