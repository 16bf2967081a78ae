"""The command line: count, demo, errors as exit status 2."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from regionwalk.cli import main  # noqa: E402


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                            torch.nn.Linear(8, 1))
    path = tmp_path / "m.pt"
    torch.save(m, path)
    return path


def test_count_box_ball_and_whole_space_as_json(model_file, capsys):
    import regionwalk as rw

    net = rw.load_model(model_file)
    for args, dom in [
        (["--box", "-1", "-1", "1", "1"], rw.Box([-1, -1], [1, 1])),
        (["--ball", "0", "0", "--radius", "0.5"], rw.Ball([0, 0], 0.5)),
        (["--all"], None),
    ]:
        assert main(["count", str(model_file), *args, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["count"] == rw.count_regions(net, dom) and out["complete"] is True


def test_count_table_and_limits(model_file, capsys):
    assert main(["count", str(model_file), "--all", "--max-regions", "3", "--threads", "1"]) == 3
    out = capsys.readouterr().out
    assert "at least 3 (stopped at --max-regions)" in out and "max_regions" in out


@pytest.mark.parametrize(
    "args,message",
    [
        (["--ball", "0", "0"], "--radius"),
        (["--ball", "0", "0", "--radius", "-1"], "radius"),
        (["--box", "0", "0", "1"], "--box needs"),
        (["--box", "1", "1", "0", "0"], "empty box"),
        (["--ball", "0", "0", "0", "--radius", "1"], "dimension"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(model_file, capsys, args, message):
    assert main(["count", str(model_file), *args]) == 2
    assert message in capsys.readouterr().err


def test_not_a_model_file(tmp_path, capsys):
    bad = tmp_path / "x.pt"
    bad.write_text("hello")
    assert main(["count", str(bad), "--all"]) == 2
    assert "not a torch model" in capsys.readouterr().err


def test_demo_runs(capsys):
    assert main(["demo", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and all(r["complete"] and r["count"] > 1 for r in rows)
