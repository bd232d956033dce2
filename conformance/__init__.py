"""The gate's checks.

Set before TensorFlow is imported (by ``python -m keras_upgrade_gate.conformance.gate`` or by pytest loading
conformance/session.py); a value set by the caller wins:
- readable logs;
- one intra-op thread per process: float reductions then sum in the same order on every machine,
  however many xdist workers or tox environments share the cores, so recorded values do not depend
  on the runner; the gate gets its parallelism from workers instead;
- GPU memory taken as needed, so several workers can share one GPU (TensorFlow otherwise reserves
  nearly all of it in the first process).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
