"""FittedModel.save / borderforecast.load_model: small files, identical forecasts."""

from __future__ import annotations

import pickle
import warnings

import pytest

import borderforecast as bf
from borderforecast.errors import ModelError

pytestmark = pytest.mark.warm_home("snaive")  # saved models of the bundled series


@pytest.fixture(scope="module")
def sw():
    return bf.load()


@pytest.mark.parametrize("name", ["sarima", "structural", "ets", "snaive"])
def test_round_trip_gives_identical_forecasts(sw, name, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = bf.make_model(name).fit(sw)
    path = fitted.save(tmp_path / f"{name}.bfmodel")
    again = bf.load_model(path)
    assert again.forecast(12, level=(80, 95)).equals(fitted.forecast(12, level=(80, 95)))
    assert (again.simulate(6, n_paths=50, seed=3) == fitted.simulate(6, n_paths=50, seed=3)).all()
    assert again.y.equals(fitted.y) and again.name == name
    # the file is small: a plain pickle of a fitted SARIMA is megabytes
    assert path.stat().st_size < 100_000
    if name == "sarima":
        assert len(pickle.dumps(bf.make_model(name).fit(sw))) > 2_000_000
    fitted.forecast(3)  # saving did not change the model in memory


def test_bad_files_are_refused(tmp_path):
    junk = tmp_path / "junk.bfmodel"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="is not a saved borderforecast model"):
        bf.load_model(junk)
    with pytest.raises(ModelError, match="cannot read the model file"):
        bf.load_model(tmp_path / "missing.bfmodel")
    with pytest.raises(ModelError, match="does not exist"):
        bf.make_model("snaive").fit(bf.load()).save(tmp_path / "no" / "such" / "m.bfmodel")
