from keras_upgrade_gate.reporting import results


def _item(params=None, snippet=None):
    from types import SimpleNamespace

    marks = {"snippet": SimpleNamespace(args=(snippet,))} if snippet else {}
    return SimpleNamespace(callspec=SimpleNamespace(params=params) if params is not None else None,
                           get_closest_marker=marks.get)


def test_a_checks_entry_is_its_parameter_never_its_node_id():
    entry = type("Entry", (), {"id": "attn.se_cnn.recipe"})()
    assert results.entry_of(_item({"entry": entry, "path": "cpu_xla"})) == "attn.se_cnn.recipe"
    assert results.entry_of(_item({"entry_id": "func.vqa", "fmt": "h5"})) == "func.vqa"
    assert results.entry_of(_item({"case": "x"}, snippet="seq.add")) == "seq.add"


def test_a_check_without_an_entry_belongs_to_the_suite():
    assert results.entry_of(_item()) is None
    assert results.entry_of(_item({"rewording": "seq.added"})) is None


def test_kind_is_the_module_name():
    assert results.kind_of("conformance/test_summary_text.py::test_text[func.vqa]") == "summary_text"


def test_the_catalogue_ids_are_read_without_tensorflow():
    ids = results.snippet_ids()
    assert "func.vqa" in ids and len(ids) == len(set(ids)) >= 40


def test_write_and_load_round_trip_numpy_like_values(tmp_path):
    class Scalar:  # what record_property receives from NumPy
        def tolist(self):
            return 1.5

    data = {"format": results.FORMAT, "tests": [{"values": {"x": Scalar(), "shape": (None, 3)}}]}
    results.write(tmp_path / "env" / "results.json", data)
    assert results.load(tmp_path / "env" / "results.json")["tests"][0]["values"] == {"x": 1.5, "shape": [None, 3]}


def test_a_check_has_one_node_id_wherever_the_gate_ran():
    """From the checkout, from an installed package (rootdir a team's folder), from a folder inside the repo."""
    from keras_upgrade_gate.reporting.results import gate_nodeid

    named = "conformance/test_golden.py::test_fit[func.dense]"
    for started in (named, "test_golden.py::test_fit[func.dense]", "../../conformance/test_golden.py::test_fit[func.dense]"):
        assert gate_nodeid(started) == named
    assert gate_nodeid("gate::the environment ran to the end") == "gate::the environment ran to the end"
