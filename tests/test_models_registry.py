"""Spec files are checked before anything is imported; a malformed one is skipped, named."""

from __future__ import annotations

import sys

import pytest

from borderforecast.errors import SpecError, SpecWarning
from borderforecast.models.registry import get_spec, list_specs, read_spec


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('class = "os:system"\n', "standard library"),
        ('class = "subprocess:Popen"\n', "standard library"),
        ('class = "borderforecast.data.store:ingest"\n', "not in borderforecast.models"),
        ('class = "no_such_package_xyz.mod:Model"\n', "no installed module 'no_such_package_xyz'"),
        ('class = "mod; import os:Cls"\n', "not of the form"),
        ("class = 42\n", "not of the form"),
        ('family = "sarimax"\n', "unknown family 'sarimax'"),
        ('family = ["sarima"]\n', "unknown family|must be a string"),
        ('family = "sarima"\nparams = 3\n', r"\[params\] must be a table"),
        ('family = "sarima"\nwhat = 1\n', "unknown key"),
        ("family = \n", "not valid TOML"),
    ],
)
def test_bad_spec_refused_before_import(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    before = set(sys.modules)
    with pytest.raises(SpecError, match=problem):
        read_spec(path)
    assert "no_such_package_xyz" not in set(sys.modules) - before


def test_spec_module_not_imported_when_refused(tmp_path, monkeypatch):
    # a module on sys.path that would announce its import: a refused spec never runs it
    (tmp_path / "loud_model_module.py").write_text("import os\nos.environ['LOUD_RAN'] = '1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "loud.toml"
    path.write_text('class = "loud_model_module:Model"\nunknown = 1\n')
    with pytest.raises(SpecError, match="unknown key"):
        read_spec(path)
    path.write_text('class = "loud_model_module:Model"\n')
    spec = read_spec(path)  # valid text: accepted, still not imported
    assert spec.class_path == "loud_model_module:Model"
    assert "LOUD_RAN" not in __import__("os").environ
    with pytest.raises(SpecError, match="is not a borderforecast model class"):
        spec.model_class()  # imported only when the model is built


def test_malformed_user_spec_is_skipped_with_a_warning(_isolated_home):
    folder = _isolated_home / "models"
    folder.mkdir()
    (folder / "broken.toml").write_text("family = \n")
    (folder / "evil.toml").write_text('class = "os:system"\n')
    (folder / "mine.toml").write_text('family = "snaive"\ndescription = "mine"\n')
    with pytest.warns(SpecWarning) as record:
        specs = list_specs()
    named = " ".join(str(w.message) for w in record)
    assert "broken.toml" in named and "evil.toml" in named
    assert "mine" in specs and "sarima" in specs and "broken" not in specs
    with pytest.warns(SpecWarning):
        assert get_spec("ets").family == "ets"  # other lookups still work
