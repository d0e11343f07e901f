"""Spec files are checked before anything is imported; a malformed one is skipped, named."""

from __future__ import annotations

import sys

import pytest

from borderforecast.errors import SpecError, SpecWarning
from borderforecast.models.registry import get_spec, list_specs, read_spec


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('class = "os:system"\n', "not a registered model"),
        ('class = "subprocess:Popen"\n', "not a registered model"),
        ('class = "PIL.__main__:X"\n', "not a registered model"),
        ('class = "tqdm.__main__:X"\n', "not a registered model"),
        ('class = "borderforecast.data.store:ingest"\n', "not in borderforecast.models"),
        ('class = "no_such_package_xyz.mod:Model"\n', "not a registered model"),
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


def test_unregistered_module_never_runs(tmp_path, monkeypatch):
    # a module in the current folder and on sys.path that would announce its import
    (tmp_path / "loud_model_module.py").write_text("import os\nos.environ['LOUD_RAN'] = '1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BORDERFORECAST_PLUGINS", raising=False)
    path = tmp_path / "loud.toml"
    for text in ('class = "loud_model_module:Model"\nunknown = 1\n',
                 'class = "loud_model_module:Model"\n', 'class = "PIL.__main__:X"\n'):
        path.write_text(text)
        with pytest.raises(SpecError):
            read_spec(path)
    assert "LOUD_RAN" not in __import__("os").environ and "PIL.__main__" not in sys.modules


def test_plugin_folder_model_is_loaded_from_its_file_only(tmp_path, monkeypatch):
    plugins, here = tmp_path / "plugins", tmp_path / "here"
    plugins.mkdir()
    here.mkdir()
    (plugins / "my_models.py").write_text(
        "from borderforecast.models.snaive import MODEL as S\nclass Mine(S):\n"
        "    family = 'mine'\n"
    )
    (here / "my_models.py").write_text("raise SystemExit('the current folder ran')\n")
    monkeypatch.chdir(here)
    monkeypatch.syspath_prepend(str(here))
    monkeypatch.setenv("BORDERFORECAST_PLUGINS", str(plugins))
    (tmp_path / "mine.toml").write_text('class = "my_models:Mine"\n')
    spec = read_spec(tmp_path / "mine.toml")
    assert spec.model_class().family == "mine"
    assert sys.modules["my_models"].__file__ == str((plugins / "my_models.py").resolve())
    monkeypatch.delitem(sys.modules, "my_models")


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


@pytest.mark.parametrize(
    ("model", "param"),
    [("stl", "robust"), ("stl", "seasonal_error"), ("stl_ses", "robust"), ("ets", "damped"),
     ("sarima", "auto"), ("x13", "outliers"), ("ensemble", "drop_unconverged"),
     ("stl_revert", "regime"), ("snaive", "log")],
)
def test_true_false_parameters_refuse_strings(model, param):
    # a string such as "no" is truthy: read as true it would silently invert the user's intent
    from borderforecast.models.registry import make_model

    with pytest.raises(SpecError, match=f"{param} must be one of True, False, not 'no'"):
        make_model(model, **{param: "no"})
    assert getattr(make_model(model, **{param: False}), param) is False
