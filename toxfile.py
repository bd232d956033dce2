"""In-tree tox plugin: plain ``tox`` (no -e, no -p) runs the matrix in parallel on the machine's cores.

``tox -e tf221`` stays sequential, so one environment's pytest output streams as usual; an
explicit ``-p N`` always wins.
"""
from __future__ import annotations

import os
import sys

from tox.plugin import impl


@impl
def tox_add_core_config(core_conf, state):
    options = state.conf.options
    explicit = any(arg in ("-p", "--parallel") or arg.startswith(("--parallel=", "-p=")) for arg in sys.argv[1:])
    if getattr(options, "command", None) == "legacy" and options.env.is_default_list and not explicit:
        options.parallel = os.cpu_count() or 1
