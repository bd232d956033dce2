from reporting import results

IDS = ["func.vqa", "func.video_qa", "attn.se_cnn", "attn.se_cnn.recipe", "seq.add"]


def test_snippet_is_the_longest_catalogue_id_the_parameters_start_with():
    assert results.snippet_of("conformance/test_parity.py::test_path[attn.se_cnn.recipe-cpu_xla]", IDS) \
        == "attn.se_cnn.recipe"
    assert results.snippet_of("conformance/test_parity.py::test_path[attn.se_cnn-cpu_xla]", IDS) == "attn.se_cnn"
    assert results.snippet_of("conformance/test_as_written.py::test_as[seq.add[input_dim]]", IDS) == "seq.add"
    assert results.snippet_of("conformance/test_summary.py::test_summary[func.vqa]", IDS) == "func.vqa"


def test_a_check_without_a_snippet_belongs_to_the_suite():
    assert results.snippet_of("conformance/test_as_written.py::test_rows_do_not_overlap", IDS) == results.SUITE
    assert results.snippet_of("conformance/test_x.py::test_y[seq.added]", IDS) == results.SUITE


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
