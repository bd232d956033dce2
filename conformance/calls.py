"""The Keras callables each entry's checks invoke, traced during a gate run ($GATE_TRACE_CALLS=1, as tox sets).

The argument meta-test proves every argument a seed sets is seen; this table is its counterpart for calls:
which public Keras callables the catalogue's code paths reach, per entry.  Each check's setup and call record
the callables they reach (``keras_calls`` in results.json); ``table`` turns a default-tier run into
{callable: [entries]}, committed per generation in fixtures/measurements/calls-<generation>.json and
compared with every CI run's (reporting/tests/test_call_table.py), so a call the catalogue starts or stops
making shows.  The perturbation selftest (selftest/perturb.py) reads the table: each traced callable's
result perturbed must fail a check of an entry that calls it.

Names: ``layer:<class>`` (a layer or model called), ``<class>.compute_mask``, ``Model.<method>``,
``load_model``, ``<optimizer class>.apply_gradients``, ``loss:<name>``, ``metric:<class or function>``,
``adapter:<class>`` (the data adapter fit, evaluate or predict built), ``<iterator class>.next batch``.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import sys

from keras_upgrade_gate.conformance import baselines

TRACE_VARIABLE = "GATE_TRACE_CALLS"
PROPERTY = "keras_calls"
MODEL_METHODS = ("predict", "evaluate", "fit", "save", "train_on_batch", "test_on_batch", "predict_on_batch")

_seen: set[str] = set()
_quiet = [lambda: False]  # compat.in_bookkeeping once installed: the gate's own probes are no check's calls


def table_path(generation: str) -> pathlib.Path:
    return baselines.MEASUREMENTS / f"calls-{generation}.json"


def _record(name: str) -> None:
    if not _quiet[0]():
        _seen.add(name)


def _wrap(owner, attribute: str, name_of) -> None:
    """Replace owner.<attribute> by a function that records ``name_of(args)`` and calls the original."""
    import tensorflow as tf

    original = getattr(owner, attribute)

    @tf.autograph.experimental.do_not_convert  # traced steps call it at trace time, as Python
    @functools.wraps(original)
    def traced(*args, **kwargs):
        _record(name_of(args))
        return original(*args, **kwargs)

    setattr(owner, attribute, traced)


def _class_of(args) -> str:
    return type(args[0]).__name__


def _loss_name(args) -> str:
    loss = args[0]
    function = getattr(loss, "fn", None) or getattr(loss, "_fn", None)
    return f"loss:{getattr(function, '__name__', type(loss).__name__)}"


def _metric_name(args) -> str:
    metric = args[0]
    function = getattr(metric, "_fn", None)
    return f"metric:{getattr(function, '__name__', None) or type(metric).__name__}"


def _public_classes(module, base) -> list[type]:
    return sorted({value for value in vars(module).values() if isinstance(value, type) and issubclass(value, base)},
                  key=lambda cls: cls.__name__)


def install() -> None:
    """Wrap the traced callables of the installed Keras (once per process)."""
    from keras_upgrade_gate.layers import compat

    keras = compat.keras
    if getattr(keras.layers.Layer.__call__, "_gate_traced", False):
        return
    _quiet[0] = compat.in_bookkeeping
    _wrap(keras.layers.Layer, "__call__", lambda args: f"layer:{_class_of(args)}")
    keras.layers.Layer.__call__._gate_traced = True
    for cls in _public_classes(keras.layers, keras.layers.Layer):
        if "compute_mask" in vars(cls):
            _wrap(cls, "compute_mask", lambda args: f"{_class_of(args)}.compute_mask")
    for method in MODEL_METHODS:
        _wrap(keras.Model, method, lambda args, method=method: f"Model.{method}")
    _wrap(keras.models, "load_model", lambda args: "load_model")
    _wrap(keras.optimizers.Optimizer, "apply_gradients", lambda args: f"{_class_of(args)}.apply_gradients")
    _wrap(keras.losses.Loss, "__call__", _loss_name)
    for cls in _public_classes(keras.metrics, keras.metrics.Metric):
        if "update_state" in vars(cls):
            _wrap(cls, "update_state", _metric_name)
    for cls in compat.data_adapter_classes():
        if "__init__" in vars(cls):
            _wrap(cls, "__init__", lambda args: f"adapter:{_class_of(args)}")
    images = compat.image_iterator_module()
    for cls in _public_classes(images, object):  # DirectoryIterator batches through a mixin
        if "_get_batches_of_transformed_samples" in vars(cls):
            _wrap(cls, "_get_batches_of_transformed_samples", lambda args: f"{_class_of(args)}.next batch")


# --- pytest: what each check reached ------------------------------------------------------------

def tracing() -> bool:
    return os.environ.get(TRACE_VARIABLE) == "1"


def start_check() -> None:
    _seen.clear()


def calls_of_check() -> list[str]:
    return sorted(_seen)


# --- the table ------------------------------------------------------------------------------------

def table(data: dict) -> dict[str, list[str]]:
    """{callable: the entries whose checks reached it} from a results.json."""
    found: dict[str, set] = {}
    for test in data["tests"]:
        entry = test["snippet"]  # (suite): a check about Keras itself (an oracle, a fact without a snippet)
        for name in test.get("values", {}).get(PROPERTY, []):
            found.setdefault(name, set()).add(entry)
    return {name: sorted(entries) for name, entries in sorted(found.items())}


def generation_of(data: dict) -> str:
    return "keras3" if data["environment"]["keras"].startswith("3") else "keras2"


def whole_default_tier(data: dict) -> bool:
    """A run the table can be derived from: the default tier, nothing selected, every check traced."""
    return data.get("tier") == "default" and data.get("selected") is False and any(
        PROPERTY in test.get("values", {}) for test in data["tests"])


def committed(generation: str) -> dict | None:
    path = table_path(generation)
    return json.loads(path.read_text())["calls"] if path.exists() else None


def differences(derived: dict, recorded: dict) -> list[str]:
    lines = []
    for name in sorted(set(derived) | set(recorded)):
        new, old = set(derived.get(name, [])), set(recorded.get(name, []))
        if new != old:
            lines.append(f"{name}: now also {sorted(new - old)}, no longer {sorted(old - new)}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="the Keras callables each entry's checks invoke (a traced default-tier run)")
    parser.add_argument("report", type=pathlib.Path, help="a report folder (reports/<env>) of a traced default-tier run")
    parser.add_argument("--write", action="store_true", help="commit its table as this generation's")
    args = parser.parse_args(argv)
    from keras_upgrade_gate.reporting import results

    data = results.load(args.report / "results.json")
    if not whole_default_tier(data):
        parser.error(f"{args.report} is not a whole default-tier run with {TRACE_VARIABLE}=1 (tier {data.get('tier')}, "
                     f"selected {data.get('selected')}): run `tox -e tf221` (or tf215) without a selection")
    derived, generation = table(data), generation_of(data)
    if args.write:
        table_path(generation).write_text(json.dumps({
            "measured": {"env": data["env"], "environment": data["environment"], "tier": data["tier"],
                         "how": "each check's setup and call, traced by conformance/calls.py; entry = the check's snippet"},
            "calls": derived}, indent=1) + "\n")
        print(f"wrote {baselines.shown(table_path(generation))}: {len(derived)} callables")
        return 0
    for name, entries in derived.items():
        print(f"{name:48} {len(entries):3d}  {', '.join(entries[:6])}{' ...' if len(entries) > 6 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
