"""Runs gate selections for the selftest in forks of one process that has imported TensorFlow and Keras.

Each selftest case is a whole gate run (conformance/gate.py) in a process of its own, so that one
injection's patches cannot leak into another's.  TensorFlow's and Keras's import is 15-30 s of every
such run; forking a process that has already imported them (and has run no TensorFlow op, so no
runtime threads exist to be lost in the fork) gives each run a fresh process without that cost.
Environment variables TensorFlow reads at import (TF_CPP_MIN_LOG_LEVEL, TF_ENABLE_ONEDNN_OPTS,
ONEDNN_MAX_CPU_ISA) are fixed by the server's own environment; a request may set any other.

Protocol (``python -m keras_upgrade_gate.selftest.forkserver``): first one JSON line on stdout, ``{"keras": version, "keras3":
bool}`` (the generation the forks will run); then one JSON request per line on stdin,
``{"argv": [...gate arguments], "env": {...}, "log": path, "timeout": seconds}``; one JSON reply per line
on stdout, ``{"returncode": int}`` (124 when the run outlived its timeout and was killed).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time

from keras_upgrade_gate.selftest.run import ROOT


def serve(requests, replies) -> None:
    for line in requests:
        request = json.loads(line)
        replies.write(json.dumps({"returncode": _run_forked(request)}) + "\n")
        replies.flush()


def _run_forked(request: dict) -> int:
    pid = os.fork()
    if pid == 0:  # the child: becomes the gate run
        try:
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)  # file descriptors, so TensorFlow's own C++ logging lands there too
            os.dup2(log, 2)
            os.setpgid(0, 0)  # its own process group: a timeout kills the run and any workers it started
            os.chdir(ROOT)
            os.environ.update(request["env"])
            from keras_upgrade_gate.conformance import gate

            code = gate.run(request["argv"])
        except BaseException as error:  # noqa: BLE001 - the child must never return into the server loop
            print(f"forkserver: the gate run raised {error!r}", flush=True)
            code = 3
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    deadline = time.monotonic() + request.get("timeout", 1200)
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return 124


def main() -> None:
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything the imports print goes to stderr, never into the reply stream
    import pytest  # noqa: F401  (imported once, like TensorFlow and Keras)

    from keras_upgrade_gate.layers import compat  # TensorFlow and Keras: the cost every forked run shares

    replies.write(json.dumps({"keras": compat.KERAS_VERSION, "keras3": compat.IS_KERAS3}) + "\n")
    replies.flush()
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
