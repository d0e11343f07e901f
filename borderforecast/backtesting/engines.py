"""The package's one parallel map: sequential, local processes (joblib) or dask.

:func:`parallel_map` applies a pure function to each item on the engine named by one
argument and returns the results in item order, so every engine gives identical results.
Backtests run their tasks through it (:func:`~borderforecast.backtesting.units.run_task`);
so may any other batch of pure work (the assessment's panel of counterfactual fits).

>>> parallel_map(abs, [-2, 3, -5])
[2, 3, 5]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import ModelError

T = TypeVar("T")
R = TypeVar("R")


def _processes(func: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[tuple[int, R]]:
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator")
    yield from enumerate(parallel(delayed(func)(x) for x in items))


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


def _dask(func: Callable[[T], R], items: Sequence[T], scheduler: Any) -> Iterator[tuple[int, R]]:
    from distributed import as_completed

    client, owned = _dask_client(scheduler)
    try:
        with client.as_current():
            futures = client.map(func, list(items), pure=False)
            position = {f.key: i for i, f in enumerate(futures)}
            for future in as_completed(futures):
                yield position[future.key], future.result()
    finally:
        if owned:
            client.close()


def parallel_map(
    func: Callable[[T], R],
    items: Sequence[T],
    engine: str = "sequential",
    jobs: int = 1,
    scheduler: Any = None,
    on_done: Callable[[R], None] | None = None,
) -> list[R]:
    """``[func(x) for x in items]`` on an engine; results in item order.

    ``func`` is a pure module-level function (processes and dask ship it). ``engine``:
    ``"sequential"`` (here), ``"processes"`` (``jobs`` joblib workers, ``-1`` all cores; one job
    or one item runs here) or ``"dask"`` (on ``scheduler``: an address, a Client or a cluster).
    ``on_done`` is called with each result as soon as it is ready (in completion order)."""
    if engine == "sequential" or (engine == "processes" and (jobs == 1 or len(items) <= 1)):
        stream: Iterator[tuple[int, R]] = ((i, func(x)) for i, x in enumerate(items))
    elif engine == "processes":
        stream = _processes(func, items, jobs)
    elif engine == "dask":
        stream = _dask(func, items, scheduler)
    else:
        raise ModelError(f"unknown engine {engine!r}; choose sequential, processes or dask")
    out: dict[int, R] = {}
    for i, res in stream:
        out[i] = res
        if on_done is not None:
            on_done(res)
    return [out[i] for i in range(len(items))]
