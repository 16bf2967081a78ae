"""The command line as a researcher meets it (issue 14): one test per item, each
asserting the words printed and the exit status (0 exact, 2 bad input, 3 lower
bound only, 130 interrupted)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import torch
nn = torch.nn

import regionwalk as rw  # noqa: E402
from regionwalk.cli import main  # noqa: E402


class CustomNet(nn.Module):
    """A module of the user's own class: not loadable with weights_only=True."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Linear(2, 6)
        self.out = nn.Linear(6, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.out(torch.relu(self.inner(x)))


def _mlp(widths, seed=0, act=nn.ReLU):  # type: ignore[no-untyped-def]
    torch.manual_seed(seed)
    layers: list = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers[:-1])


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.pt"
    torch.save(_mlp((2, 8, 8, 1)), path)
    return path


BOX = ["--box", "-1", "-1", "1", "1"]


# -- basics --------------------------------------------------------------------


def test_count_box_ball_and_whole_space_as_json(model_file, capsys):
    net = rw.load_model(model_file)
    for args, dom in [
        (BOX, rw.Box([-1, -1], [1, 1])),
        (["--ball", "0", "0", "--radius", "0.5"], rw.Ball([0, 0], 0.5)),
        (["--all"], None),
    ]:
        assert main(["count", str(model_file), *args, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["count"] == rw.count_regions(net, dom) and out["complete"] is True and out["certified"] is True


def test_two_box_numbers_and_one_centre_number_mean_every_input(tmp_path, capsys):
    path = tmp_path / "m3.pt"
    torch.save(_mlp((3, 6, 1)), path)
    net = rw.load_model(path)
    for args, dom in [(["--box", "-1", "2"], rw.Box([-1] * 3, [2] * 3)),
                      (["--ball", "0.5", "--radius", "0.7"], rw.Ball([0.5] * 3, 0.7))]:
        assert main(["count", str(path), *args, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["count"] == rw.count_regions(net, dom)


@pytest.mark.parametrize(
    "args,message",
    [
        (["--ball", "0", "0"], "--ball needs --radius"),
        (["--ball", "0", "0", "--radius", "-1"], "argument --radius: must be a finite number > 0, got -1"),
        (["--box", "0", "0", "1"], "--box needs 2 x 2 numbers"),
        (["--box", "1", "1", "0", "0"], "empty box"),
        (["--ball", "0", "0", "0", "--radius", "1"], "--ball has 3 numbers but the network's input dimension is 2"),
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


# -- item 1: sample and bounds take the walk's limits, and --no-exact -----------


def _legend_texts(monkeypatch):  # type: ignore[no-untyped-def]
    """Record the legend of every figure saved (instead of reading PNG pixels)."""
    from matplotlib.figure import Figure

    seen: list[str] = []

    def savefig(self, path, **kwargs):  # type: ignore[no-untyped-def]
        for ax in self.axes:
            if ax.get_legend() is not None:
                seen.extend(t.get_text() for t in ax.get_legend().get_texts())
        open(path, "wb").close()

    monkeypatch.setattr(Figure, "savefig", savefig)
    return seen


def test_item1_sample_and_bounds_stop_at_limits_and_say_lower_bound(model_file, capsys, monkeypatch, tmp_path):
    legends = _legend_texts(monkeypatch)
    png = tmp_path / "s.png"
    assert main(["sample", str(model_file), *BOX, "--budgets", "300", "--max-regions", "5", "--threads", "1",
                 "--plot", str(png)]) == 3
    out = capsys.readouterr().out
    assert ">=5" in out and "exact count: at least 5 (stopped at --max-regions)" in out
    assert any(t.startswith("lower bound on the count (5") for t in legends)
    assert main(["sample", str(model_file), *BOX, "--budgets", "300", "--time-limit", "30", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    exact = rw.count_regions(rw.load_model(model_file), rw.Box([-1, -1], [1, 1]))
    assert rows[0]["exact"] == exact and rows[0]["exact_complete"] is True
    assert main(["sample", str(model_file), *BOX, "--budgets", "300", "--no-exact"]) == 0
    assert "exact count: skipped (--no-exact)" in capsys.readouterr().out
    assert main(["bounds", str(model_file), *BOX, "--max-regions", "4"]) == 3
    assert "at least 4 (stopped at --max-regions)" in capsys.readouterr().out
    assert main(["bounds", str(model_file), *BOX, "--no-exact", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and all(r["bound"] != "exact" and r["exact"] is None for r in rows)


# -- item 2: a state dict does not know its activation -----------------------------


def test_item2_state_dict_needs_the_activation(tmp_path, capsys):
    leaky = _mlp((2, 6, 6, 1), seed=5, act=lambda: nn.LeakyReLU(0.2))
    torch.save(leaky, tmp_path / "module.pt")
    torch.save(leaky.state_dict(), tmp_path / "state.pt")
    truth = rw.count_regions(rw.Network.from_torch(leaky), rw.Box([-1, -1], [1, 1]))
    assert main(["count", str(tmp_path / "state.pt"), *BOX]) == 2
    err = capsys.readouterr().err
    assert "holds a state dict, which records weights but not the activation" in err and "--activation" in err
    args = ["count", str(tmp_path / "state.pt"), *BOX, "--json", "--activation", "leaky_relu", "--negative-slope", "0.2"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["count"] == truth
    assert main(["count", str(tmp_path / "module.pt"), *BOX, "--activation", "relu"]) == 2
    assert "holds a module with LeakyReLU(0.2) but ReLU was asked for" in capsys.readouterr().err
    assert main(["count", str(tmp_path / "state.pt"), *BOX, "--negative-slope", "0.2"]) == 2
    assert "goes with activation='leaky_relu'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not the activation"):
        rw.load_model(tmp_path / "state.pt")
    net = rw.load_model(tmp_path / "state.pt", activation="leaky_relu", negative_slope=0.2)
    assert net.alpha == 0.2 and rw.count_regions(net, rw.Box([-1, -1], [1, 1])) == truth


# -- item 3: Ctrl-C hands back what was found -----------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT and a pseudo-terminal")
def test_item3_sigint_prints_the_partial_result_and_exits_130(tmp_path):
    import pty
    import select

    path = tmp_path / "big.pt"
    torch.save(_mlp((6, 32, 32, 1), seed=1), path)
    master, slave = pty.openpty()  # stderr on a terminal: the progress line says when the walk runs
    cmd = [sys.executable, "-m", "regionwalk.cli", "count", str(path), "--box", *["-1"] * 6, *["1"] * 6,
           "--json", "--threads", "1", "--time-limit", "300"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 120
    try:
        while b"regions/s" not in seen and time.monotonic() < deadline and proc.poll() is None:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)
        assert b"regions/s" in seen and b"frontier" in seen, seen
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == 130
    res = json.loads(out)
    assert res["stop_reason"] == "interrupted" and res["complete"] is False and res["count"] > 0


def test_item3_api_interrupted_carries_the_partial_result_and_memory_stops_return_one(monkeypatch, capsys,
                                                                                      model_file):
    import threading

    import regionwalk.walk as walk

    net = rw.Network.from_torch(_mlp((6, 32, 32, 1), seed=1))
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(rw.Interrupted) as info:
        rw.enumerate_regions(net, rw.Box(-np.ones(6), np.ones(6)), threads=1, time_limit=60)
    part = info.value.partial
    assert isinstance(info.value, KeyboardInterrupt)
    assert part.count > 0 and not part.complete and part.stop_reason == "interrupted"
    assert part.patterns.shape == (part.count, 64)
    # an allocation failure: the core's memory cap stands in for it
    with pytest.warns(rw.IncompleteWarning, match="ran out of memory"):
        res = rw.enumerate_regions(net, rw.Box(-np.ones(6), np.ones(6)), max_memory=100_000)
    assert res.stop_reason == "memory" and not res.complete and res.count > 0
    real_walk = walk._core.walk
    monkeypatch.setattr(walk._core, "walk", lambda *a, **k: real_walk(*a, **{**k, "max_memory": 3000}))
    assert main(["count", str(model_file), "--all"]) == 3
    assert "(out of memory)" in capsys.readouterr().out


# -- item 4: custom modules and unsupported layers ---------------------------------------


def test_item4_custom_module_gets_one_paragraph_and_trust_pickle_loads_it(tmp_path, capsys):
    torch.manual_seed(0)
    model = CustomNet()
    torch.save(model, tmp_path / "custom.pt")
    assert main(["count", str(tmp_path / "custom.pt"), *BOX]) == 2
    err = capsys.readouterr().err
    assert "cannot load" in err and "CustomNet" in err and "state dict" in err and "--trust-pickle" in err
    assert "\x1b" not in err and err.count("\n") == 1 and "Traceback" not in err
    assert main(["count", str(tmp_path / "custom.pt"), *BOX, "--trust-pickle", "--json"]) == 0
    count = json.loads(capsys.readouterr().out)["count"]
    assert count == rw.count_regions(rw.Network.from_torch(model), rw.Box([-1, -1], [1, 1]))
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)), tmp_path / "gelu.pt")
    assert main(["count", str(tmp_path / "gelu.pt"), *BOX]) == 2
    err = capsys.readouterr().err
    assert "module of type GELU" in err and "\x1b" not in err and err.count("\n") == 1
    assert main(["count", "--help"]) == 0
    assert "WARNING: runs code stored in the file" in " ".join(capsys.readouterr().out.split())


# -- item 5: short reprs ----------------------------------------------------------------


def test_item5_results_print_short(model_file, capsys):
    net = rw.Network.from_torch(_mlp((4, 16, 16, 1), seed=2))
    res = rw.enumerate_regions(net, rw.Box(-np.ones(4), np.ones(4)))
    text = repr(res)
    assert res.count > 500 and len(text) < 250 and "[" not in text.replace("(", "")
    assert f"count={res.count}" in text and "complete=True" in text and f"points=({res.count}, 4)" in text
    s = rw.sample_patterns(net, rw.Box(-np.ones(4), np.ones(4)), 5000)
    text = repr(s)
    assert len(text) < 250 and f"count={s.count}" in text and "n_samples=5000" in text and "array" not in text
    print(res)
    assert capsys.readouterr().out.strip() == repr(res)


# -- item 6: bad numbers ------------------------------------------------------------------


@pytest.mark.parametrize("args,message", [
    (["--max-regions", "100000000000000000000"],
     "argument --max-regions: must be a whole number from 1 to 2**63-1, got 100000000000000000000"),
    (["--max-regions", "2.5"], "argument --max-regions: must be a whole number from 1 to 2**63-1, got '2.5'"),
    (["--threads", "1.7"], "argument --threads: must be a whole number from 1 to 2**63-1, got '1.7'"),
    (["--threads", "0"], "argument --threads: must be a whole number from 1 to 2**63-1, got 0"),
    (["--time-limit", "nan"], "argument --time-limit: must be a finite number > 0, got nan"),
    (["--tol", "10"], "tol must be finite, > 0 and below the domain's scale 1"),
    (["--tol", "0.9"], "no region around the seed point keeps a margin > tol"),
])
def test_item6_bad_numbers_are_one_line_errors(model_file, capsys, args, message):
    assert main(["count", str(model_file), *BOX, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "pybind11" not in err and "(self" not in err


@pytest.mark.parametrize("kwargs,error,message", [
    ({"max_regions": 2.5}, ValueError, "max_regions must be an integer from 1 to 2\\*\\*63-1, got 2.5"),
    ({"max_regions": 2.5}, TypeError, "max_regions must be an integer from 1 to 2\\*\\*63-1, got 2.5"),
    ({"threads": 1.7}, ValueError, "threads must be an integer from 1 to 4096, got 1.7"),
    ({"max_regions": 10**20}, ValueError, "max_regions must be an integer from 1 to 2\\*\\*63-1"),
    ({"max_regions": True}, TypeError, "max_regions"),
    ({"threads": 0}, ValueError, "threads must be an integer from 1"),
    ({"time_limit": -1}, ValueError, "time_limit must be a number > 0"),
    ({"tol": 10.0}, ValueError, "tol must be finite, > 0 and below the domain's scale 1"),
    ({"tol": float("nan")}, ValueError, "tol must be"),
])
def test_item6_api_refuses_bad_numbers_without_truncating(small_net, kwargs, error, message):
    with pytest.raises(error, match=message):
        rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]), **kwargs)


def test_item6_whole_floats_are_accepted(small_net, model_file, capsys):
    a = rw.enumerate_regions(small_net, rw.Box([-1, -1], [1, 1]), max_regions=1e3, threads=1.0)
    assert a.count == rw.count_regions(small_net, rw.Box([-1, -1], [1, 1]))
    assert main(["count", str(model_file), "--all", "--max-regions", "1e3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["complete"] is True


# -- item 7: incomplete counts read as lower bounds ----------------------------------------------


def test_item7_incomplete_counts_say_at_least_and_exit_3(model_file, tmp_path, capsys):
    assert main(["count", str(model_file), "--all", "--max-regions", "3", "--threads", "1"]) == 3
    out = capsys.readouterr().out
    assert "at least 3 (stopped at --max-regions)" in out and "max_regions" in out
    path = tmp_path / "big.pt"
    torch.save(_mlp((6, 32, 32, 1), seed=1), path)
    assert main(["count", str(path), "--box", *["-1"] * 6, *["1"] * 6, "--time-limit", "0.2"]) == 3
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("count "))
    assert "at least " in line and line.endswith("(stopped at the time limit)") and "," in line
    assert main(["count", str(path), "--box", *["-1"] * 6, *["1"] * 6, "--time-limit", "0.2", "--json"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["complete"] is False and out["stop_reason"] == "time_limit" and isinstance(out["count"], int)
    assert main(["count", str(model_file), *BOX]) == 0
    assert "at least" not in capsys.readouterr().out
    assert main(["--help"]) == 0
    help_text = capsys.readouterr().out
    assert "exit status:" in help_text and "130  interrupted" in help_text and "3    done, but a count" in help_text


# -- item 8: the bounds table explains itself ----------------------------------------------------


def test_item8_bounds_rows_are_described_with_references_and_plotted(model_file, capsys, monkeypatch, tmp_path):
    import inspect

    from regionwalk import bounds

    assert main(["bounds", str(model_file), *BOX, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = [r["bound"] for r in rows]
    assert names[0] == "exact" and "propagated_box" in names and "propagated_ball" not in names
    for r in rows[1:]:
        assert r["description"] and any(str(y) in r["reference"] for y in range(1970, 2030)), r
        assert r["value"] >= rows[0]["value"]
    assert main(["bounds", str(model_file), *BOX]) == 0
    out = capsys.readouterr().out
    assert "Serra, Tjandraatmadja, Ramalingam 2018" in out and "propagated_box" in out
    assert "intervals propagated over the box" in out
    assert "DESIGN.md" not in inspect.getsource(bounds)
    legends = _legend_texts(monkeypatch)
    assert main(["bounds", str(model_file), *BOX, "--plot", str(tmp_path / "b.png")]) == 0
    assert any(t.startswith("exact count (") for t in legends)


def test_item8_box_bound_is_at_least_the_count_and_local(small_net):
    from regionwalk import bounds

    for half in (1e-3, 0.2, 1.0, 5.0):
        box = rw.Box([0.1 - half, -half], [0.1 + half, half])
        assert bounds.propagated_box(small_net, box) >= rw.count_regions(small_net, box)
    assert bounds.propagated_box(small_net, rw.Box([0.3, 0.3], [0.3 + 1e-9, 0.3 + 1e-9])) == 1
    assert bounds.propagated_box(small_net, rw.Ball([0, 0], 1.0)) is None


# -- item 9: centres from files, help texts, a lone Linear ----------------------------------------


@pytest.mark.parametrize("suffix", [".npy", ".pt", ".txt"])
def test_item9_center_and_box_files(model_file, tmp_path, capsys, suffix):
    c = np.array([0.2, -0.1])
    f = tmp_path / f"c{suffix}"
    if suffix == ".npy":
        np.save(f, c)
    elif suffix == ".pt":
        torch.save(torch.tensor(c), f)
    else:
        np.savetxt(f, c)
    net = rw.load_model(model_file)
    assert main(["count", str(model_file), "--center-file", str(f), "--radius", "0.4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == rw.count_regions(net, rw.Ball(c, 0.4))
    assert main(["count", str(model_file), "--center-file", str(f), "--half-width", "0.3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == rw.count_regions(net, rw.Box(c - 0.3, c + 0.3))
    corners = tmp_path / "box.npy"
    np.save(corners, np.array([[-1.0, -0.5], [1.0, 0.5]]))
    assert main(["count", str(model_file), "--box-file", str(corners), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == rw.count_regions(net, rw.Box([-1, -0.5], [1, 0.5]))
    assert main(["count", str(model_file), "--center-file", str(f)]) == 2
    assert "--center-file needs exactly one of --radius (a ball) or --half-width (a box)" in capsys.readouterr().err


def test_item9_help_texts_and_a_lone_linear_layer(tmp_path, capsys):
    assert main(["sample", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "seed of the sampler's random generator" in text and "print one JSON document" in text
    np.save(tmp_path / "c3.npy", np.zeros(3))
    torch.save(_mlp((2, 8, 8, 1)), tmp_path / "m.pt")
    assert main(["count", str(tmp_path / "m.pt"), "--center-file", str(tmp_path / "c3.npy"), "--radius", "1"]) == 2
    assert "--center-file has 3 numbers but the network's input dimension is 2" in capsys.readouterr().err
    torch.save(nn.Linear(2, 3), tmp_path / "lin.pt")
    assert main(["count", str(tmp_path / "lin.pt"), *BOX]) == 2
    err = capsys.readouterr().err
    assert "has no ReLU/LeakyReLU: it is an affine map, which has exactly one linear region" in err
    torch.save(nn.Linear(2, 3).state_dict(), tmp_path / "lin_sd.pt")
    assert main(["count", str(tmp_path / "lin_sd.pt"), *BOX, "--activation", "relu"]) == 2
    assert "single Linear layer: an affine map with no hidden layer has exactly one" in capsys.readouterr().err


# -- item 10: progress ----------------------------------------------------------------------------


class _Terminal:
    """A stand-in for stderr on a terminal."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_item10_progress_only_on_a_terminal_and_not_with_quiet(tmp_path, capsys, monkeypatch):
    import regionwalk.walk as walk
    from regionwalk._progress import format_progress

    path = tmp_path / "mid.pt"
    torch.save(_mlp((6, 32, 32, 1), seed=1), path)
    args = ["count", str(path), "--box", *["-1"] * 6, *["1"] * 6, "--time-limit", "0.3", "--threads", "1"]
    monkeypatch.setattr(walk, "PROGRESS_INTERVAL", 0.0)
    assert main(args) == 3
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert main([*args, "--quiet"]) == 3
    assert term.text == ""
    assert main(args) == 3
    last = term.text.rstrip("\n").split("\r")[-1]
    assert term.text.endswith("\n") and "regions/s" in last and "frontier" in last and last.rstrip().endswith(" s")
    assert format_progress(12345, 2.0, 812) == "12,345 regions  6,172 regions/s  frontier 812  2.0 s"
    assert format_progress(10, 125.0) == "10 regions  0 regions/s  2 min 05 s"


def test_item10_two_argument_progress_callables_still_work():
    net = rw.Network.from_torch(_mlp((6, 32, 32, 1), seed=1))
    two, three = [], []
    rw.enumerate_regions(net, rw.Box(-np.ones(6), np.ones(6)), time_limit=0.8, threads=1,
                         progress=lambda n, s: two.append((n, s)))
    rw.enumerate_regions(net, rw.Box(-np.ones(6), np.ones(6)), time_limit=0.8, threads=1,
                         progress=lambda n, s, f: three.append((n, s, f)))
    assert two and three and all(f >= 0 for _, _, f in three)


def _uncertified_walks(monkeypatch, **stats) -> None:  # type: ignore[no-untyped-def]
    """Every core walk from here on reports these counters and is not certified."""
    import regionwalk.walk as walk

    real_walk = walk._core.walk

    def uncertain(*args, **kwargs):  # type: ignore[no-untyped-def]
        raw = real_walk(*args, **kwargs)
        raw["stats"].update(stats)
        return {**raw, "certified": False}

    monkeypatch.setattr(walk._core, "walk", uncertain)


def test_uncertified_counts_are_not_complete_and_say_so(monkeypatch, model_file, capsys):
    """A walk whose facet tests hit an LP limit is not an exact count, even if it ran to its end."""
    _uncertified_walks(monkeypatch, undecided=2)
    with pytest.warns(rw.IncompleteWarning, match="not certified: 2 facet test"):
        res = rw.enumerate_regions(rw.load_model(model_file), rw.Box([-1, -1], [1, 1]))
    assert res.stop_reason == "complete" and not res.certified and not res.complete
    assert main(["count", str(model_file), *BOX]) == 3
    out = capsys.readouterr().out
    assert f"{res.count:,}, not certified (2 facet test(s) hit an LP limit, 0 crossing(s) failed to land" in out
    assert "smaller --tol" not in out  # an LP limit is not a matter of tol


def test_failed_crossings_suggest_a_smaller_tol(monkeypatch, model_file, capsys):
    """Crossings fail where regions about as thin as tol meet: the warning and the CLI say to try a smaller one."""
    _uncertified_walks(monkeypatch, witness_failures=3)
    with pytest.warns(rw.IncompleteWarning, match=r"3 crossing\(s\) failed .* a smaller tol \(this walk's: 1e-09\)"):
        rw.enumerate_regions(rw.load_model(model_file), rw.Box([-1, -1], [1, 1]))
    with pytest.warns(rw.IncompleteWarning, match=r"this walk's: 2e-11"):
        rw.enumerate_regions(rw.load_model(model_file), rw.Box([-2, -2], [2, 2]), tol=2e-11)
    assert main(["count", str(model_file), *BOX]) == 3
    assert "3 crossing(s) failed to land: the count may be off; a smaller --tol may certify it" in capsys.readouterr().out
