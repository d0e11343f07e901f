"""The wheel carries the dataset, the model specs and the templates: prove it from a built wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip(
        "hatchling", reason="hatchling (the build backend) is needed to build the wheel"
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (found,) = out.glob("borderforecast-*.whl")
    return found


def test_wheel_contains_data_specs_and_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    bundled_data = [n for n in names if n.startswith("borderforecast/_bundled/data/")]
    specs = [
        n for n in names if n.startswith("borderforecast/_bundled/models/") and n.endswith(".toml")
    ]
    assert any(n.endswith(".csv") for n in bundled_data), bundled_data
    assert "borderforecast/_bundled/models/snaive.toml" in specs
    assert len(specs) == len(list((ROOT / "models").glob("*.toml")))
    templates = [n for n in names if "/templates/" in n]
    if (ROOT / "borderforecast" / "report" / "templates").is_dir():
        assert templates, "report templates missing from the wheel"
    assert "borderforecast/py.typed" in names  # type checkers use the package's hints


@pytest.mark.slow
def test_installed_wheel_loads_outside_checkout(wheel: Path, tmp_path: Path) -> None:
    """pip install the wheel into a fresh venv and load the data from a folder outside the checkout.

    The fresh venv borrows this environment's dependencies through a .pth file (so nothing is
    downloaded) but gets borderforecast itself only from the wheel, installed by this
    environment's pip (``--python``: the venv needs no pip of its own).
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # install first: with the borrowed path already in place, pip would see this environment's
    # borderforecast as "already satisfied" and skip the wheel
    pip = [sys.executable, "-m", "pip", "--python", str(py)]
    subprocess.run([*pip, "install", "-q", "--no-deps", str(wheel)], check=True)
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "_borrowed_deps.pth").write_text(deps + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    code = (
        "import borderforecast as bf, pathlib;"
        f"assert pathlib.Path(bf.__file__).is_relative_to({str(env_dir)!r}), bf.__file__;"
        "print(bf.load()['2019-05-01'])"
    )
    out = subprocess.run(
        [str(py), "-c", code], cwd=elsewhere, check=True, capture_output=True, text=True, env=env
    )
    assert out.stdout.strip() == "132856"
    models = subprocess.run(
        [str(env_dir / "bin" / "borderforecast"), "models"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert "snaive" in models.stdout
