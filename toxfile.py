"""In-tree tox plugin: plain ``tox`` (no -e, no -p) runs the matrix in parallel on the machine's cores.

``tox -e tf221`` stays sequential, so one environment's pytest output streams as usual; an
explicit ``-p N`` always wins.  When environments run in parallel, each gate gets its share of
the cores as pytest-xdist workers ($GATE_WORKERS, read by conformance/gate.py), so N environments
with W workers each never ask for more processes than there are cores.
"""
from __future__ import annotations

import os
import sys

from tox.plugin import impl

PARALLEL_OFF = 0


@impl
def tox_add_core_config(core_conf, state):
    options = state.conf.options
    cores = os.cpu_count() or 1
    explicit = any(arg in ("-p", "--parallel") or arg.startswith(("--parallel=", "-p=")) for arg in sys.argv[1:])
    if getattr(options, "command", None) == "legacy" and options.env.is_default_list and not explicit:
        options.parallel = cores
    parallel = getattr(options, "parallel", PARALLEL_OFF)
    if parallel != PARALLEL_OFF and getattr(options, "command", None) in ("legacy", "run-parallel"):
        at_once = parallel or cores  # None: no limit, so at least one environment per core
        os.environ.setdefault("GATE_WORKERS", str(max(1, cores // at_once)))
