"""The gate's self-test: known kinds of Keras regression, injected one at a time, must be caught.

Runs in the ``selftest`` tox environment (TensorFlow 2.21, Keras 3): the patches reach into
that Keras's internals, so they are tied to it on purpose.
"""
