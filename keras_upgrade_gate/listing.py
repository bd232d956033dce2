"""``keras-gate list``: every entry of the catalogue and the kinds of check that apply to it here.

Read from the gate's own collection (the default tier's selection, in this environment), not from a
table: what it prints is what ``keras-gate run`` would run.
"""
from __future__ import annotations

import collections


class _Collected:
    """A pytest plugin that keeps the collected checks' entries and kinds."""

    def __init__(self):
        self.kinds: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def pytest_collection_finish(self, session):
        from keras_upgrade_gate.reporting import results

        for item in session.items:
            self.kinds[results.entry_of(item) or "(Keras facts and the gate's own)"][results.kind_of(item.nodeid)] += 1


def main(pytest_args: list[str] | None = None) -> int:
    import contextlib
    import io

    import pytest

    from keras_upgrade_gate.conformance import gate
    from keras_upgrade_gate.layers import catalog

    collected, output = _Collected(), io.StringIO()
    with contextlib.redirect_stdout(output):  # pytest's own listing of files; shown only when collection fails
        code = pytest.main(["--pyargs", gate.CHECKS_PACKAGE, *gate.gate_options(pytest_args or []), "--collect-only",
                            "-qq", "-p", "no:xdist", "-p", "no:cacheprovider", *(pytest_args or [])], plugins=[collected])
    if code not in (0, gate.NO_TESTS_COLLECTED):
        print(output.getvalue())
        return int(code)
    titles = {e.id: e.title for e in (*catalog.entries(), *catalog.saved_files())}
    files = f" and {len(catalog.saved_files())} saved files" if catalog.saved_files() else ""
    print(f"\n{len(catalog.ids())} entries{files} "
          f"({'the seed catalogue' if catalog.is_seed_catalogue() else 'your catalogue'}):")
    for entry_id in [*titles, *sorted(set(collected.kinds) - set(titles))]:
        kinds = collected.kinds.get(entry_id, {})
        title = titles.get(entry_id, entry_id)
        print(f"  {entry_id}" + (f"  {title}" if title != entry_id else ""))
        print("      " + (", ".join(f"{kind} x{count}" for kind, count in sorted(kinds.items())) or "no check here"))
    return 0
