"""Run backtest tasks sequentially, in local processes (joblib) or on dask.

One function, :func:`run_tasks`, chosen by one argument. Each task is a pure
function of its inputs (:func:`~borderforecast.backtesting.units.run_task`), so
every engine returns identical numbers; results come back in task order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import ModelError
from .units import Task, UnitResult, run_task

Progress = Callable[[int], None]


def _sequential(tasks: Sequence[Task]) -> Iterator[tuple[int, list[UnitResult]]]:
    for i, task in enumerate(tasks):
        yield i, run_task(task)


def _processes(tasks: Sequence[Task], jobs: int) -> Iterator[tuple[int, list[UnitResult]]]:
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator")
    yield from enumerate(parallel(delayed(run_task)(t) for t in tasks))


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - optional dependency
        raise ModelError(
            "engine 'dask' needs dask.distributed: pip install 'borderforecast[dask]'"
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if hasattr(scheduler, "scheduler_address"):  # a LocalCluster or other cluster object
        return Client(scheduler, set_as_default=False), True
    try:
        return Client(str(scheduler), set_as_default=False, timeout="10s"), True
    except (OSError, TimeoutError) as exc:
        raise ModelError(f"cannot reach the dask scheduler at {scheduler!r}: {exc}") from None


def _dask(tasks: Sequence[Task], scheduler: Any) -> Iterator[tuple[int, list[UnitResult]]]:
    from distributed import as_completed

    client, owned = _dask_client(scheduler)
    try:
        with client.as_current():
            futures = client.map(run_task, list(tasks), pure=False)
            position = {f.key: i for i, f in enumerate(futures)}
            for future in as_completed(futures):
                yield position[future.key], future.result()
    finally:
        if owned:
            client.close()


def run_tasks(
    tasks: Sequence[Task],
    engine: str = "sequential",
    jobs: int = 1,
    scheduler: Any = None,
    progress: Progress | None = None,
) -> list[list[UnitResult]]:
    """Run ``tasks`` on an engine; return their results in task order.

    Parameters
    ----------
    tasks : sequence of Task
        Batches of units (see :mod:`borderforecast.backtesting.units`).
    engine : {"sequential", "processes", "dask"}
        Where to run them.
    jobs : int
        Worker processes for ``"processes"`` (``-1``: all cores).
    scheduler : str, distributed.Client or cluster
        Where ``"dask"`` runs.
    progress : callable, optional
        Called with the number of units finished each time a task completes.
    """
    if not tasks:
        return []
    if engine == "sequential" or (engine == "processes" and (jobs == 1 or len(tasks) == 1)):
        stream = _sequential(tasks)
    elif engine == "processes":
        stream = _processes(tasks, jobs)
    elif engine == "dask":
        stream = _dask(tasks, scheduler)
    else:
        raise ModelError(f"unknown engine {engine!r}; choose sequential, processes or dask")
    out: list[list[UnitResult] | None] = [None] * len(tasks)
    for i, res in stream:
        out[i] = res
        if progress is not None:
            progress(len(res))
    return [r if r is not None else [] for r in out]
