"""The gate's checks.

Set before TensorFlow is imported (by ``python -m keras_upgrade_gate.conformance.gate`` or by pytest loading
conformance/session.py); a value set by the caller wins:
- readable logs;
- GPU memory taken as needed, so several workers can share one GPU (TensorFlow otherwise reserves
  nearly all of it in the first process).
TensorFlow's threads have one owner, the runner (conformance/gate.py ``threads_per_worker``), which sets them
from the cores and the workers before TensorFlow is imported.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
