"""The gate's checks.

Set before TensorFlow is imported (by ``python -m conformance.gate`` or by pytest loading
conformance/conftest.py): readable logs, and one intra-op thread per process.  One thread makes
float reductions sum in the same order on every machine and however many xdist workers or tox
environments share the cores, so recorded values do not depend on the runner; the gate gets its
parallelism from workers instead.  A value set by the caller wins.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
