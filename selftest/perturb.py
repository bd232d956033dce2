"""Call perturbations: each Keras callable the catalogue reaches (the call table, conformance/calls.py) returns
a slightly wrong result, one per gate run; the score per area.

Where the injections are regressions someone thought of and the mutants change defaults, these change what a
call gives back, keeping its types and shapes: a layer's or loss's value 0.1% off, a mask inverted, predict's
rows swapped across batches, evaluate's numbers off, a saved or loaded model's last weight off, gradients off
before the optimizer applies them, a metric fed its predictions in reverse, the rows a data adapter or an image
iterator hands out reversed.  Each runs in a fork of the gate (selftest/forkserver.py) on the default tier's
checks of the entries that reach the callable (the committed table, matched against each check's own entry:
$GATE_ENTRIES; the checks about Keras itself are the entry (suite)) and is killed when a check of one of those
entries fails.  A survivor is a hole to
close or an equivalent change, listed in ``EQUIVALENT`` with the reason.

    python -m keras_upgrade_gate.selftest.perturb [--workers 2] [--budget 1800] [--only TEXT] [--list]

writes reports/selftest/perturbations.json and prints the score per area.
"""
from __future__ import annotations

import functools
import json
import pathlib

import numpy as np

from keras_upgrade_gate.selftest import sweep

SCALE = 1 + 1e-3
CHANGED = [0]  # how many results this process's perturbation changed (0: it had nothing to change)
NOTHING_CHANGED = "the perturbation changed nothing in this run (the call returned no mask, or only symbolic tensors)"
# Survivors that change nothing a check can see, by callable, with the reason.
EQUIVALENT: dict[str, str] = {
    "adapter:PyDatasetAdapter": "wraps the image iterator, whose batches are perturbed as DirectoryIterator.next batch",
    "metric:seed_mean_pred": "seq.compile_forms's own metric is the mean of the predictions: the same for them in "
                             "any order",
    "loss:mean_squared_error": "no seed compiles it: it is the fit-order probe's loss (test_fit_order.py), which reads "
                               "which weights a step moves, not by how much",
    "AttentionLayer.compute_mask": "seed 002's AttentionLayer returns no mask by design (compute_mask -> None)",
    "SelfAttentionLayer.compute_mask": "the mask it passes on reaches only Flatten (attn.self_attention_seq), which reads none",
}
# The areas of the score, by the callable's name.
AREAS = (("layer:", "layer calls"), ("compute_mask", "masks"), ("Model.", "model calls"), ("load_model", "model calls"),
         ("apply_gradients", "optimizers"), ("loss:", "losses"), ("metric:", "metrics"), ("adapter:", "data"),
         ("next batch", "data"))


# The calls around the models first: the layers' own values are what the golden and oracle checks see best.
ORDER = ("model calls", "optimizers", "losses", "metrics", "data", "masks", "layer calls")


def area_of(name: str) -> str:
    return next(area for marker, area in AREAS if marker in name)


# --- the perturbations ---------------------------------------------------------------------------

def _symbolic(value) -> bool:
    """A tensor of a functional model being built (perturbing it would add a node to the graph)."""
    return type(value).__name__ == "KerasTensor"


def _scaled(value):
    """Every floating array or tensor in a nested result, 0.1% larger; everything else as it was."""
    if isinstance(value, dict):
        return {k: _scaled(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v) for v in value)
    if isinstance(value, float):
        return value * SCALE
    dtype = getattr(value, "dtype", None)
    if dtype is None or _symbolic(value):
        return value
    import tensorflow as tf

    return value * SCALE if tf.as_dtype(dtype).is_floating else value


def _rows_reversed(value):
    if isinstance(value, dict):
        return {k: _rows_reversed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rows_reversed(v) for v in value)
    return np.ascontiguousarray(np.asarray(value)[::-1]) if np.ndim(value) else value


def _first_and_last_rows_swapped(value):
    if isinstance(value, dict):
        return {k: _first_and_last_rows_swapped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_first_and_last_rows_swapped(v) for v in value)
    array = np.array(value)
    array[[0, -1]] = array[[-1, 0]]
    return array


def _after(patcher, owner, attribute, change, when=lambda args: True):
    """owner.<attribute> returns ``change(result)`` for the calls ``when(args)`` picks."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def perturbed(*args, **kwargs):
        result = original(*args, **kwargs)
        if not when(args):
            return result
        changed = change(result)
        CHANGED[0] += changed is not result
        return changed

    patcher.set(owner, attribute, perturbed)


def _before(patcher, owner, attribute, change, when=lambda args: True):
    """owner.<attribute> is called with ``change(args, kwargs)`` for the calls ``when(args)`` picks."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def perturbed(*args, **kwargs):
        if when(args):
            args, kwargs = change(args, kwargs)
            CHANGED[0] += 1
        return original(*args, **kwargs)

    patcher.set(owner, attribute, perturbed)


def _named(class_name):
    return lambda args: type(args[0]).__name__ == class_name


def _layer_class(name: str):
    from keras_upgrade_gate.layers import catalog, compat

    catalog.ids()  # the catalogue's own layer classes exist once its modules are imported
    pending, seen = [compat.keras.layers.Layer], set()
    while pending:
        cls = pending.pop()
        if cls.__name__ == name:
            return cls
        seen.add(cls)
        pending += [sub for sub in cls.__subclasses__() if sub not in seen]
    raise LookupError(f"no layer class {name!r}")


def _inverted(mask):
    import tensorflow as tf

    if all(m is None or _symbolic(m) for m in tf.nest.flatten(mask)):
        return mask
    return tf.nest.map_structure(lambda m: m if m is None else tf.logical_not(tf.cast(m, "bool")), mask)


def _last_weight_scaled(model):
    weights = model.get_weights()
    model.set_weights(weights[:-1] + [weights[-1] * SCALE])
    return model


def _save_scaled(patcher, model_class):
    original = model_class.save

    @functools.wraps(original)
    def save(self, *args, **kwargs):
        weights = self.get_weights()
        _last_weight_scaled(self)
        try:
            return original(self, *args, **kwargs)
        finally:
            self.set_weights(weights)

    patcher.set(model_class, "save", save)


def _gradients_scaled(args, kwargs):
    pairs = args[1] if len(args) > 1 else kwargs.pop("grads_and_vars")
    scaled = [(g * SCALE if g is not None else g, v) for g, v in pairs]
    return (args[0], scaled, *args[2:]), kwargs


def _predictions_reversed(args, kwargs):
    import tensorflow as tf

    self, y_true, y_pred, *rest = args
    return (self, y_true, tf.nest.map_structure(lambda t: tf.reverse(t, [0]), y_pred), *rest), kwargs


def _values_scaled(args, kwargs):
    return (args[0], _scaled(args[1]), *args[2:]), kwargs


def _adapter_rows_reversed(args, kwargs):
    self, *rest = args
    if rest:
        rest[0] = _rows_reversed(rest[0])
        if len(rest) > 1 and rest[1] is not None:
            rest[1] = _rows_reversed(rest[1])
    for key in ("x", "y"):
        if kwargs.get(key) is not None:
            kwargs[key] = _rows_reversed(kwargs[key])
    return (self, *rest), kwargs


def apply(name: str, patcher) -> None:
    """Perturb the result of the callable the call table names ``name`` (in the gate's process)."""
    from keras_upgrade_gate.conformance import calls
    from keras_upgrade_gate.layers import compat

    keras = compat.keras
    kind, _, what = name.partition(":")
    if kind == "layer":
        _after(patcher, keras.layers.Layer, "__call__", _scaled, _named(what))
    elif name.endswith(".compute_mask"):
        cls = _layer_class(name.removesuffix(".compute_mask"))
        _after(patcher, cls, "compute_mask", _inverted, _named(cls.__name__))
    elif name == "Model.predict":
        _after(patcher, keras.Model, "predict", _first_and_last_rows_swapped)
    elif name == "Model.save":
        _save_scaled(patcher, keras.Model)
    elif name.removeprefix("Model.") in calls.MODEL_METHODS:
        method = name.removeprefix("Model.")
        change = (lambda history: setattr(history, "history", _scaled(history.history)) or history) \
            if method == "fit" else _scaled
        _after(patcher, keras.Model, method, change)
    elif name == "load_model":
        _after(patcher, keras.models, "load_model", _last_weight_scaled)
    elif name.endswith(".apply_gradients"):
        _before(patcher, keras.optimizers.Optimizer, "apply_gradients", _gradients_scaled,
                _named(name.removesuffix(".apply_gradients")))
    elif kind == "loss":
        _after(patcher, keras.losses.Loss, "__call__", _scaled,
               lambda args: (getattr(args[0], "fn", None) or getattr(args[0], "_fn", None) or type(args[0])).__name__ == what)
    elif kind == "metric":
        _perturb_metric(patcher, keras, what)
    elif kind == "adapter":
        cls = next(c for c in compat.data_adapter_classes() if c.__name__ == what)
        _before(patcher, cls, "__init__", _adapter_rows_reversed)
    elif name.endswith(".next batch"):
        images = compat.image_iterator_module()
        cls = getattr(images, name.removesuffix(".next batch"))
        _after(patcher, cls, "_get_batches_of_transformed_samples", _rows_reversed)
    else:
        raise LookupError(f"no perturbation for {name!r}")


def _perturb_metric(patcher, keras, what: str) -> None:
    """A metric function's predictions reversed along the batch; a plain Mean (the loss tracker) 0.1% off."""
    classes = [c for c in vars(keras.metrics).values() if isinstance(c, type) and issubclass(c, keras.metrics.Metric)]
    by_class = next((c for c in classes if c.__name__ == what), None)
    if by_class is not None and what == "Mean":
        _before(patcher, by_class, "update_state", _values_scaled, _named("Mean"))
        return
    wrappers = [c for c in classes if c.__name__ == "MeanMetricWrapper"]
    owner = by_class or wrappers[0]
    matches = (lambda args: type(args[0]).__name__ == what) if by_class else (
        lambda args: getattr(getattr(args[0], "_fn", None), "__name__", "") == what)
    _before(patcher, owner, "update_state", _predictions_reversed, matches)


# --- the sweep ------------------------------------------------------------------------------------

def selection(entries: list[str]) -> dict:
    """The default tier's checks of these entries, by each check's own entry (its parameter or snippet
    marker, conformance/session.py: $GATE_ENTRIES), the checks about Keras itself among them as (suite)."""
    return {"GATE_ENTRIES": ",".join(entries)}


def perturbations(generation: str) -> list[tuple[str, list[str]]]:
    from keras_upgrade_gate.conformance import calls

    table = calls.committed(generation)
    if table is None:
        raise SystemExit(f"{calls.table_path(generation)} is missing: write the call table first (conformance/calls.py)")
    return sorted(table.items(), key=lambda item: (ORDER.index(area_of(item[0])), item[0]))


def record_changes(report_env: str) -> None:
    """Beside the run's report: how many results the perturbation changed (selftest/plugin.py, at the end)."""
    path = pathlib.Path("reports", report_env, "perturbed.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"changed": CHANGED[0]}))


def changed_values(label: str) -> int | None:
    from keras_upgrade_gate.selftest.run import ROOT

    path = ROOT / "reports" / "selftest" / label / "perturbed.json"
    return json.loads(path.read_text())["changed"] if path.exists() else None


def run(selected, workers: int, budget: float) -> list[dict]:
    from keras_upgrade_gate.selftest.run import ROOT, run_gate

    def judge(index, item, server):
        name, entries = item
        row = {"callable": name, "area": area_of(name), "entries": len(entries), "equivalent": EQUIVALENT.get(name, "")}
        if server is None:
            return {**row, "state": sweep.NOT_RUN}
        stale = ROOT / "reports" / "selftest" / f"perturb-{index % workers}" / "perturbed.json"
        stale.unlink(missing_ok=True)
        gate = run_gate(f"perturb-{index % workers}", [], extra=("-p", "no:randomly"),
                        env={"GATE_PERTURB": name, **selection(entries)}, server=server)
        if not gate.tests:  # the gate died or selected nothing: no verdict, and not a survivor
            return {**row, "state": "did not run", "failures": 0, "first_check": gate.output[-300:]}
        named = [t for t in gate.failures if t["snippet"] in entries]
        first = min(named, key=lambda t: t["nodeid"], default=None)
        killed = gate.returncode != 0 and bool(named)
        if not killed and changed_values(f"perturb-{index % workers}") == 0:
            row["equivalent"] = row["equivalent"] or NOTHING_CHANGED
        return {**row, "state": "killed" if killed else "survived", "failures": len(named),
                "first_check": f"{first['snippet']}: {first['nodeid'].split('::')[-1]}" if first else ""}

    return sweep.sweep(selected, workers, budget, judge)


def main(argv=None) -> int:
    args = sweep.arguments(__doc__.splitlines()[0], 1800, "perturbations", argv)
    from keras_upgrade_gate.selftest.run import ROOT, keras3

    generation = "keras3" if keras3() else "keras2"
    selected = [item for item in perturbations(generation) if args.only in item[0]]
    if args.list:
        for name, entries in selected:
            print(f"{area_of(name):12} {name:44} {len(entries):3d} entries")
        return 0
    rows = sorted(run(selected, args.workers, args.budget), key=lambda r: (r["area"], r["callable"]))
    out = ROOT / "reports" / "selftest" / f"perturbations-{generation}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    print("\n".join(sweep.score_table(rows, "callable")))
    for row in rows:
        print(f"{row['state']:18} {row['callable']:44} {row.get('first_check', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
