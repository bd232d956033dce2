"""Imported first by a child process a check starts (conformance/saved_files.py, named by $GATE_CHILD_IMPORTS):
the selftest's injection reaches the Keras of that process too, as it reaches the gate's own."""
from keras_upgrade_gate.selftest.injections import Patcher
from keras_upgrade_gate.selftest.plugin import apply

apply(Patcher())
