"""The infrastructure vocabulary: servers, cores, disks, networks, pools and locks.

Describe a system the way a capacity planner does — tiers of servers with
CPUs, memory, disks and NICs, thread and connection pools, row locks,
admission limits, the network between them — and the transactions in their
own terms ("2 ms web CPU, then app: 5 ms CPU and 3 queries, each 1 ms DB CPU
+ one random 8 KiB read; 20 KiB reply"). :meth:`System.to_model` compiles it
to the core's stations, pools and step graphs; :meth:`System.describe` shows
which station or pool each resource became.

>>> from tiersim.infra import *
>>> shop = System(
...     "shop",
...     tiers=[Tier("web", servers=2, server=Server(cpu=Cpu(cores=4)), threads=50),
...            Tier("app", server=Server(cpu=Cpu(cores=8)), threads=20),
...            Tier("db", server=Server(cpu=Cpu(cores=8), disk=Disk(kind="ssd", raid=2)))],
...     transactions=[Transaction("order").at("web", cpu_ms=2)
...                   .at("app", cpu_ms=5, calls=[Query("db", cpu_ms=1, reads=[Read(kib=8)], times=3)])
...                   .reply(kib=20)],
...     workload=Open(rps=100))
>>> [(sv["name"], sv.get("replicas", 1)) for sv in shop.to_model().to_dict()["services"]]
[('web', 2), ('app', 1), ('db', 1)]
>>> r = shop.run(until=200, warmup=20, replications=2, seed=1)
>>> r.bottleneck["station"]
'app.cpu'
"""

from __future__ import annotations

from .compile import Compiled, Element, StepInfo
from .hardware import Cpu, Disk, Link, Memory, Nic, Router, San
from .io import from_document, is_infrastructure, load, loads, model_from_document, system_from_dict
from .software import AdmissionLimit, Cache, Compression, ConnectionPool, ExternalSystem, RowLocks, ThreadPool
from .system import Network, Path, Server, System, Tier
from .transaction import Call, Io, Query, Read, Transaction, Write
from .workload import Batch, Closed, Open

__all__ = [
    "Cpu", "Memory", "Disk", "San", "Nic", "Link", "Router",
    "ThreadPool", "ConnectionPool", "RowLocks", "Cache", "AdmissionLimit", "ExternalSystem", "Compression",
    "Server", "Tier", "Path", "Network", "System",
    "Call", "Query", "Io", "Read", "Write", "Transaction",
    "Open", "Closed", "Batch",
    "Compiled", "Element", "StepInfo",
    "load", "loads", "system_from_dict", "from_document", "model_from_document", "is_infrastructure",
]
