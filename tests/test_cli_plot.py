"""``regionwalk plot``: pictures on a plane through three points, or of a 2-input model in a box."""

from __future__ import annotations

import json

import numpy as np
import pytest

import torch
import matplotlib  # noqa: F401  (installed by the README's set-up: fail, not skip)
import matplotlib.pyplot as plt  # noqa: E402

import regionwalk as rw  # noqa: E402
from regionwalk.cli import main  # noqa: E402


def _save_mlp(path, widths, seed=0):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    layers: list = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    torch.save(torch.nn.Sequential(*layers[:-1]), path)
    return path


def test_plane_through_three_points(tmp_path, capsys):
    model = _save_mlp(tmp_path / "m.pt", (12, 10, 10, 3))
    rng = np.random.default_rng(0)
    files = []
    for name in "abc":
        np.save(tmp_path / f"{name}.npy", rng.normal(size=(3, 4)))  # any shape, flattened
        files.append(str(tmp_path / f"{name}.npy"))
    out = tmp_path / "regions.png"
    rc = main(["plot", str(model), "--plane-through", *files, "--out", str(out), "--color-by", "class", "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    net = rw.load_model(str(model))
    pts = [np.load(f).ravel() for f in files]
    assert summary["count"] == rw.count_regions(net, rw.Plane.through(*pts), threads=1)
    png = plt.imread(out)
    assert png.shape[0] > 300 and png.shape[1] > 300
    assert len(np.unique(png[..., :3].reshape(-1, 3).round(2), axis=0)) > 10  # filled, not blank


def test_box_of_a_2_input_model_as_svg(tmp_path, capsys):
    model = _save_mlp(tmp_path / "m2.pt", (2, 8, 1))
    out = tmp_path / "r.svg"
    rc = main(["plot", str(model), "--box", "-1", "-1", "1", "1", "--svg", "--out", str(out)])
    assert rc == 0
    assert out.read_text().lstrip().startswith("<?xml") and "<svg" in out.read_text()
    assert "count" in capsys.readouterr().out
    png = tmp_path / "r.png"
    assert main(["plot", str(model), "--box", "-1", "-1", "1", "1", "--svg", "--out", str(png)]) == 0
    assert plt.imread(png).shape[2] in (3, 4) and "<svg" in (tmp_path / "r.svg").read_text()


@pytest.mark.parametrize("extra,match", [
    (["--box", "-1", "1"], "--plane-through"),
    ([], "needs --plane-through"),
])
def test_bad_input(tmp_path, capsys, extra, match):
    model = _save_mlp(tmp_path / "m.pt", (5, 4, 1))
    assert main(["plot", str(model), *extra, "--out", str(tmp_path / "x.png")]) == 2
    assert match in capsys.readouterr().err


def test_points_of_the_wrong_size(tmp_path, capsys):
    model = _save_mlp(tmp_path / "m.pt", (5, 4, 1))
    files = []
    for name, n in zip("abc", (5, 5, 4)):
        np.save(tmp_path / f"{name}.npy", np.arange(n, dtype=float) * (1 + (name == "b")))
        files.append(str(tmp_path / f"{name}.npy"))
    assert main(["plot", str(model), "--plane-through", *files]) == 2
    assert "c.npy has 4 numbers" in capsys.readouterr().err
