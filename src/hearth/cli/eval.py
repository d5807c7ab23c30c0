from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hearth.cli.common import settings_or_exit
from hearth.rag.eval_runner import eval_settings, run_eval
from hearth.rag.evaluation import load_beir

app = typer.Typer(help="Measure quality.", no_args_is_help=True)


@app.command("retrieval")
def retrieval(
    dataset_dir: Annotated[Path, typer.Argument(help="BEIR-format directory: corpus.jsonl, queries.jsonl, qrels.")],
    split: Annotated[str, typer.Option(help="qrels split")] = "test",
) -> None:
    """nDCG@10, recall@10/100 and MRR@10 for bm25, dense and hybrid retrieval, side by side."""
    settings = settings_or_exit()
    try:
        dataset = load_beir(dataset_dir, split)
    except (FileNotFoundError, ValueError) as exc:
        typer.secho(f"error: cannot read the dataset: {exc}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from exc
    console = Console()
    console.print(f"{dataset_dir.name}: {len(dataset.corpus)} documents, {len(dataset.queries)} queries")
    with tempfile.TemporaryDirectory(prefix="hearth-eval-") as scratch, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console) as bar:
        task = bar.add_task("ingest", total=len(dataset.corpus))

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=f"ingest {stage[:40]}")

        report = asyncio.run(run_eval(eval_settings(settings, Path(scratch)), dataset, progress))
    table = Table(title=f"retrieval on {dataset_dir.name} ({report.chunks} chunks, ingest {report.ingest_s:.0f} s, "
                        f"{report.documents / report.ingest_s:.1f} docs/s)")
    for column in ("mode", "nDCG@10", "recall@10", "recall@100", "MRR@10", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "mode" else "left")
    for r in report.results:
        m = r.metrics
        table.add_row(r.name, f"{m['ndcg@10']:.3f}", f"{m['recall@10']:.3f}", f"{m['recall@100']:.3f}",
                      f"{m['mrr@10']:.3f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}")
    console.print(table)
