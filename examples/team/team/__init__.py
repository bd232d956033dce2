"""An example team's own models, gated by keras-upgrade-gate (see ../README.md)."""
