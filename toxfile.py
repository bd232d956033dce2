"""In-tree tox plugin: plain ``tox`` (no -e, no -p) runs the matrix in parallel on the machine's cores,
and a TensorFlow and Keras pair the pins forbid fails before anything installs.

``tox -e tf221`` stays sequential, so one environment's pytest output streams as usual; an
explicit ``-p N`` always wins.  When environments run in parallel, each gate gets its share of
the cores as pytest-xdist workers ($GATE_WORKERS, read by conformance/gate.py), so N environments
with W workers each never ask for more processes than there are cores.

``tox -e tf218-keras38`` runs the gate on TensorFlow 2.18 with Keras 3.8 (tox.ini's factors).
"""
from __future__ import annotations

import os
import re
import sys

from tox.plugin import impl

PARALLEL_OFF = 0

# The Keras each TensorFlow minor accepts: its wheel's Requires-Dist (read from the installed
# tensorflow 2.12, 2.15, 2.16, 2.18 and 2.21; 2.17, 2.19, 2.20 from the resolver, as the Keras-axis
# issue measured).  TensorFlow up to 2.15 bundles Keras 2 and pins it (keras>=2.X,<2.X+1).
KERAS3_FLOOR = {16: (3, 0), 17: (3, 2), 18: (3, 5), 19: (3, 5), 20: (3, 10), 21: (3, 12)}
NEWEST_KERAS3_MINOR = 15
_TF = re.compile(r"(?:^|-)tf2(\d\d)(?:-|$)")
_KERAS = re.compile(r"(?:^|-)keras3(\d{1,2})(?:-|$)")


def pair_problem(env_name: str) -> str | None:
    """Why an environment's TensorFlow and Keras factors cannot be installed together (None: they can)."""
    tf, keras = _TF.search(env_name), _KERAS.search(env_name)
    if not keras:
        return None
    minor = int(keras.group(1))
    if minor > NEWEST_KERAS3_MINOR:
        return f"{env_name}: Keras 3.{minor} is not a released Keras 3 minor (3.0-3.{NEWEST_KERAS3_MINOR})"
    if not tf:
        return f"{env_name}: a Keras factor needs a TensorFlow factor (tf216 ... tf221)"
    tf_minor = int(tf.group(1))
    if tf_minor not in KERAS3_FLOOR:
        return (f"{env_name}: TensorFlow 2.{tf_minor} pins Keras 2 (keras>=2.{tf_minor}.0,<2.{tf_minor + 1}); "
                "Keras 3 needs TensorFlow 2.16 or newer")
    floor = KERAS3_FLOOR[tf_minor]
    if (3, minor) < floor:
        return (f"{env_name}: TensorFlow 2.{tf_minor} requires keras>={floor[0]}.{floor[1]}.0; "
                f"Keras 3.{minor} cannot be installed with it")
    return None


@impl
def tox_on_install(tox_env, arguments, section, of_type):
    problem = pair_problem(tox_env.name)
    if problem:
        from tox.tox_env.errors import Fail

        raise Fail(problem)


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
