# A sweep through a real local Dask cluster (two worker processes) gives exactly the serial results.
from __future__ import annotations

import concurrent.futures as cf
import importlib.util

import pytest

import tiersim
from tiersim.variants import with_servers

from conftest import mm1_model

if importlib.util.find_spec("distributed") is None:  # pragma: no cover - depends on the environment
    pytest.skip("dask.distributed is not installed (pip install 'tiersim[distributed]')", allow_module_level=True)

from distributed import Client, LocalCluster  # noqa: E402

from test_sweep import CLOSED, comparable  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # Worker processes import tiersim like any other process: the installed package, or PYTHONPATH.
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as c:
        yield c


def test_dask_sweep_equals_the_serial_sweep(client) -> None:
    users = [2, 10, 30, 60]
    with cf.ThreadPoolExecutor(1) as serial:
        expected = tiersim.load_sweep(CLOSED, users=users, executor=serial, progress=False)
    on_cluster = tiersim.load_sweep(CLOSED, users=users, executor=client, progress=False)
    assert comparable(on_cluster) == comparable(expected)
    # The points really ran on the workers, not in this process.
    imported = client.run(lambda: "tiersim" in __import__("sys").modules)
    assert imported and all(imported.values())  # every worker imported it


def test_dask_client_executor_and_labelled_points(client) -> None:
    base = mm1_model(until=2000, replications=2)
    points = {"1 cpu": base, "2 cpus": with_servers(base, "cpu", 2)}
    via_executor = tiersim.sweep(points, executor=client.get_executor(), label="variant", progress=False)
    via_client = tiersim.sweep(points, executor=client, label="variant", progress=False)
    serial = tiersim.sweep(points, executor=cf.ThreadPoolExecutor(1), label="variant", progress=False)
    assert comparable(via_executor) == comparable(via_client) == comparable(serial)
    assert via_client.values == ["1 cpu", "2 cpus"]


def test_dask_reports_a_bad_point_as_a_model_error(client) -> None:
    # Checked before submission: nothing reaches the cluster.
    with pytest.raises(tiersim.ModelError, match="sweep point"):
        tiersim.load_sweep(mm1_model(), rates=[0.5], warmup=10**9, executor=client, progress=False)
