"""max_memory: sizes as users write them, and a walk that stops before the cap with a
partial result marked incomplete (never an unhandled MemoryError)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import regionwalk as rw
from regionwalk.cli import main
from regionwalk.nets import random_mlp
from regionwalk.memory import format_bytes, parse_memory

NET = random_mlp((6, 16, 16, 1), seed=0)
BOX = rw.Box(-np.ones(6), np.ones(6))


@pytest.mark.parametrize("text,expected", [
    ("4GiB", 4 * 2**30), ("4 gib", 4 * 2**30), ("500MB", 500_000_000), ("1.5 GB", 1_500_000_000),
    ("2KiB", 2048), ("1kB", 1000), ("3TiB", 3 * 2**40), ("1e6", 10**6), ("2e3 KB", 2_000_000),
    ("  64 B ", 64), ("1_000", 1000), ("0.5KiB", 512), ("1.9", 1),
    (1024, 1024), (np.int64(7), 7), (4e9, 4_000_000_000), (2.7, 2),
])
def test_sizes_read_as_bytes(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize("bad", ["4GB!", "four GiB", "4 GiBs", "4 G", "", "0", "0.5", "-1MiB", "1e-12GB",
                                 "inf", "nan", 0, -5, 0.25, float("nan"), float("inf")])
def test_bad_sizes_are_a_one_line_value_error_naming_the_argument(bad):
    with pytest.raises(ValueError, match=r"max_memory must be .*'4GiB'") as info:
        parse_memory(bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [True, None, [1], b"1GiB"])
def test_sizes_of_the_wrong_type_are_a_type_error(bad):
    with pytest.raises(TypeError, match="max_memory"):
        parse_memory(bad)


def test_format_bytes_uses_binary_units():
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(4 * 2**30) == "4 GiB"


def test_walk_stops_before_a_cap_given_as_text_and_marks_the_count_a_lower_bound():
    with pytest.warns(rw.IncompleteWarning, match="out of memory"):
        part = rw.enumerate_regions(NET, BOX, threads=1, max_memory="1MiB")
    assert part.stop_reason == "memory" and not part.complete and part.count > 0
    # what it found is real: the forward pass at each witness gives its pattern, all distinct
    assert np.array_equal(NET.patterns(part.points), part.patterns)
    assert len({row.tobytes() for row in part.packed}) == part.count


def test_a_cap_far_above_the_walk_changes_nothing():
    net, box = random_mlp((3, 12, 12, 1), seed=1), rw.Box(-np.ones(3), np.ones(3))
    full = rw.enumerate_regions(net, box, threads=1)
    big = rw.enumerate_regions(net, box, threads=1, max_memory="1GiB")
    assert big.complete and np.array_equal(big.packed, full.packed)


def test_a_larger_cap_finds_more():
    with pytest.warns(rw.IncompleteWarning):
        small = rw.count_regions(NET, BOX, threads=1, max_memory="1MiB")
    with pytest.warns(rw.IncompleteWarning):
        larger = rw.count_regions(NET, BOX, threads=1, max_memory="4MB")
    assert 0 < small < larger


def test_enumerate_regions_refuses_a_bad_size_before_walking():
    with pytest.raises(ValueError, match="max_memory"):
        rw.enumerate_regions(NET, BOX, max_memory="lots")


def test_cli_max_memory(tmp_path, capsys):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 1))
    torch.save(model, tmp_path / "m.pt")
    box = ["--box", *["-1"] * 6, *["1"] * 6]
    assert main(["count", str(tmp_path / "m.pt"), *box, "--max-memory", "64KiB", "--json", "-q"]) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["stop_reason"] == "memory" and not out["complete"]
    assert main(["count", str(tmp_path / "m.pt"), *box, "--max-memory", "lots"]) == 2
    err = capsys.readouterr().err
    assert "--max-memory" in err and "4GiB" in err
