"""Mechanical mutants: every default the catalogue leans on, changed, one per gate run; the mutation score.

The hand-written injections (selftest/injections.py) are the regressions someone thought of.  These are
generated: for every Keras class the catalogue's models and recipes use (each layer type, nested ones
included, and each optimizer) and every loss and metric its recipes compile (the function or class
Keras resolves a name to), each constructor or function default that is a bool, a number, a tuple of
ints or a string with a known alternative is changed to another valid value (``mutated``).  Each
mutant is applied in a fork of the gate (selftest/forkserver.py) by rewriting the function's own
``__defaults__`` / ``__kwdefaults__``, so the signature Keras inspects is unchanged, and judged by the
default tier's cheap kinds that look at components: the config snapshots, the NumPy oracles and the API
facts (``JUDGE``).  A mutant is killed when that run fails; a survivor is a hole to close or an equivalent
mutant, listed in ``EQUIVALENT`` with the reason.

    python -m keras_upgrade_gate.selftest.mutants [--workers 2] [--budget 900] [--only TEXT] [--list]

writes reports/selftest/mutants.json and prints the score per area.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import json

from keras_upgrade_gate.selftest import sweep

JUDGE = ["conformance/test_configs.py", "conformance/test_oracles.py", "conformance/test_oracles_composite.py",
         "conformance/test_api_facts.py", "-p", "no:randomly"]
SKIPPED_PARAMETERS = {"name", "dtype", "trainable", "autocast", "seed", "input_shape", "batch_size",
                      "data_format", "use_cudnn", "kwargs"}
# String defaults with another valid value of the same kind (padding, initializer, activation, score mode).
ALTERNATIVES = {"valid": "same", "same": "valid", "glorot_uniform": "he_normal", "zeros": "ones", "ones": "zeros",
                "orthogonal": "glorot_uniform", "uniform": "random_normal", "tanh": "relu",
                "sigmoid": "hard_sigmoid", "linear": "relu", "dot": "concat"}
# Survivors that change nothing the catalogue runs, by mutant id prefix, with the reason (each read in
# the Keras source or the catalogue: a default its only caller always overrides is never used).
EQUIVALENT: dict[str, str] = {
    "LSTMCell.__init__.": "LSTM, the cell's only user, passes every one of these arguments to the cell it makes "
                          "(LSTM's own defaults are mutants of their own)",
    "EinsumDense.__init__.": "MultiHeadAttention, its only user here, passes its own initializers to each EinsumDense",
    "Softmax.__init__.axis": "MultiHeadAttention, its only user here, makes its Softmax with explicit axes",
    "Concatenate.__init__.axis": "the seeds call keras.layers.concatenate(), which passes its own axis=-1 on",
    "LayerNormalization.__init__.epsilon": "SelfAttentionLayer, its only user, passes epsilon=1e-6",
    "MaxPooling1D.__init__.pool_size": "seq.conv1d_classifier, its only user, passes MaxPooling1D(3)",
    "SGD.__init__.momentum": "every SGD the catalogue trains passes momentum (compat.sgd_with_decay)",
    "SGD.__init__.nesterov": "every SGD the catalogue trains passes nesterov (compat.sgd_with_decay)",
}


@dataclasses.dataclass(frozen=True)
class Mutant:
    owner: str  # "module:qualname" of the function whose default changes (a constructor or a loss/metric)
    parameter: str
    original: object
    value: object
    area: str  # layers, optimizers, losses, metrics
    used_by: str  # one catalogue entry that uses it

    @property
    def id(self) -> str:
        return f"{self.owner.split(':')[1]}.{self.parameter}={self.value!r}"

    def spec(self) -> str:
        return json.dumps([self.owner, self.parameter, self.value])


def mutated(value):
    """Another valid value of the same kind, or None where there is no mechanical choice."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        if value == 0:
            return 0.1
        return value / 2 if 0 < value < 1 else value * 2
    if isinstance(value, tuple) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(v + 1 for v in value)
    if isinstance(value, str):
        return ALTERNATIVES.get(value)
    return None


def _owner(function) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def _resolve(owner: str):
    module, qualname = owner.split(":")
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _defaults_of(function) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(function).parameters.values()
            if p.default is not inspect.Parameter.empty and p.name not in SKIPPED_PARAMETERS]


def _used() -> dict:
    """(function, area) -> an entry using it: the catalogue's Keras constructors, losses and metrics."""
    from keras_upgrade_gate.conformance import coverage
    from keras_upgrade_gate.layers import catalog, compat

    keras = compat.keras
    used: dict = {}
    for entry_id in coverage.model_ids():
        compat.reset_session(0)
        for layer in compat.all_layers(catalog.build(entry_id, small=True)):
            cls = type(layer)
            if cls.__module__.startswith(("keras", "tf_keras")):
                used.setdefault((cls.__init__, "layers"), entry_id)
    for entry_id in coverage.recipe_ids():
        compiled = catalog.get(entry_id).recipe.compile()
        optimizer = compiled["optimizer"]
        optimizer = keras.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer
        used.setdefault((type(optimizer).__init__, "optimizers"), entry_id)
        for loss in coverage.flat(compiled["loss"]):
            resolved = keras.losses.get(loss) if isinstance(loss, str) else getattr(loss, "fn", loss)
            used.setdefault((_callable(resolved), "losses"), entry_id)
        for metric in coverage.flat(compiled.get("metrics") or []):
            names = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy") \
                if metric == "accuracy" else (metric,)  # 'accuracy' becomes one of these by the loss
            for name in names:
                resolved = keras.metrics.get(name) if isinstance(name, str) else name
                used.setdefault((_callable(resolved), "metrics"), entry_id)
    return used


def _callable(resolved):
    """The function whose defaults apply: a plain function itself, else the object's constructor (Keras 3
    resolves metric names to metric objects)."""
    return resolved if inspect.isfunction(resolved) else type(resolved).__init__


def mutants() -> list[Mutant]:
    found = {}
    for (function, area), entry_id in _used().items():
        for parameter, default in _defaults_of(function):
            value = mutated(default)
            if value is not None:
                mutant = Mutant(_owner(function), parameter, default, value, area, entry_id)
                found.setdefault(mutant.id, mutant)
    return sorted(found.values(), key=lambda m: (m.area, m.id))


def apply(spec: str, patcher) -> None:
    """Apply the mutant a spec names (in the gate's process: selftest/plugin.py, $GATE_MUTANT)."""
    owner, parameter, value = json.loads(spec)
    function = _resolve(owner)
    value = tuple(value) if isinstance(value, list) else value
    patcher.default(function, parameter, value)


def run(selected: list[Mutant], workers: int, budget: float) -> list[dict]:
    """Each mutant in a forked gate run, ``workers`` at a time, until ``budget`` seconds have passed."""
    from keras_upgrade_gate.selftest.run import run_gate

    def judge(index, mutant, server):
        row = {"mutant": mutant.id, "area": mutant.area, "used_by": mutant.used_by}
        if server is None:
            return {**row, "state": sweep.NOT_RUN}
        gate = run_gate(f"mutant-{index % workers}", JUDGE, extra=(), env={"GATE_MUTANT": mutant.spec()}, server=server)
        first = min(gate.failures, key=lambda t: t["nodeid"], default=None)
        killed = gate.returncode != 0
        return {**row, "state": "killed" if killed else "survived", "failures": len(gate.failures),
                "first_check": first["nodeid"].split("::")[-1] if first else "",
                "equivalent": next((why for prefix, why in EQUIVALENT.items() if mutant.id.startswith(prefix)), "")}

    return sorted(sweep.sweep(selected, workers, budget, judge), key=lambda r: (r["area"], r["mutant"]))


def score_table(rows: list[dict]) -> list[str]:
    return sweep.score_table(rows, "mutant")


def main(argv=None) -> int:
    args = sweep.arguments(__doc__.splitlines()[0], 900, "mutants", argv)
    selected = [m for m in mutants() if args.only in m.id]
    if args.list:
        for m in selected:
            print(f"{m.area:10} {m.id:60} (default {m.original!r}; used by {m.used_by})")
        return 0
    rows = run(selected, args.workers, args.budget)
    from keras_upgrade_gate.selftest.run import ROOT

    out = ROOT / "reports" / "selftest" / "mutants.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    print("\n".join(score_table(rows)))
    for row in rows:
        print(f"{row['state']:18} {row['mutant']:60} {row.get('first_check', '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
