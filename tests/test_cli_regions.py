"""``regionwalk regions``: the walk's measures as a summary, a .npz and histograms."""

from __future__ import annotations

import json

import numpy as np
import pytest

import torch

import regionwalk as rw  # noqa: E402
from regionwalk.cli import main  # noqa: E402


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 6), torch.nn.ReLU(),
                            torch.nn.Linear(6, 2))
    path = tmp_path / "m.pt"
    torch.save(m, path)
    return path, rw.Network.from_torch(m)


def test_regions_json_npz_and_plot(model_file, tmp_path, capsys):
    path, net = model_file
    out, png = tmp_path / "r.npz", tmp_path / "h.png"
    args = [str(path), "--box", "-1", "-1", "-1", "1", "1", "1", "--measures", "rank,rank_bound,slope,volume",
            "--out", str(out), "--plot", str(png), "--json", "-q"]
    assert main(["regions", *args]) == 0
    doc = json.loads(capsys.readouterr().out)
    res = rw.enumerate_regions(net, rw.Box(-np.ones(3), np.ones(3)))
    g = res.geometry()
    assert doc["count"] == res.count and doc["complete"]
    ranks, counts = np.unique(g.rank, return_counts=True)
    assert doc["measures"]["rank"]["histogram"] == {str(r): int(c) for r, c in zip(ranks, counts)}
    assert doc["measures"]["slope"]["p50"] == pytest.approx(np.median(g.slope(2)))
    saved = np.load(out)
    np.testing.assert_array_equal(saved["packed"], res.packed)
    np.testing.assert_array_equal(saved["rank"], g.rank)
    assert saved["volume"].sum() == pytest.approx(8.0, rel=1e-9)
    assert png.stat().st_size > 1000


def test_regions_table_and_bad_measure(model_file, capsys):
    path, _ = model_file
    assert main(["regions", str(path), "--all", "--measures", "rank,inradius", "-q"]) == 0
    text = capsys.readouterr().out
    assert "rank" in text and "inradius" in text and "inf=" in text  # unbounded regions of the whole space
    assert main(["regions", str(path), "--all", "--measures", "rank,ranks"]) == 2
    assert "unknown measure(s) 'ranks'; accepted: rank" in capsys.readouterr().err
    assert main(["regions", str(path), "--all", "--out", "x.txt"]) == 2
    assert "--out must name a .npz file" in capsys.readouterr().err


def test_regions_max_regions_is_a_lower_bound(model_file, capsys):
    path, _ = model_file
    assert main(["regions", str(path), "--all", "--max-regions", "5", "--json", "-q"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["count"] == 5 and not doc["complete"]
    assert sum(doc["measures"]["rank"]["histogram"].values()) == 5
