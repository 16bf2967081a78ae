"""rw.local_counts: exact counts in a ball around every point, beside margins, bounds and samples.

Oracles: rw.count_regions on each ball (one walk per ball, with its own set-up),
the exact one-layer arrangement count, torch autograd for the local forms behind
the margin, rw.bounds for the local bound, and sampled patterns.
"""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest
from oracles import one_layer_count_in_ball

import regionwalk as rw
from regionwalk import bounds
from regionwalk.nets import random_mlp


def reference_counts(net, x, radii):
    radii = np.broadcast_to(radii, (len(x),))
    return np.array([rw.count_regions(net, rw.Ball(c, r), threads=1) for c, r in zip(x, radii)])


def points_near(net, n, seed, scale=0.6):
    return np.random.default_rng(seed).normal(scale=scale, size=(n, net.input_dim))


@pytest.mark.parametrize("widths,alpha,radius", [
    ((2, 10, 10, 1), 0.0, 0.3),
    ((3, 8, 8, 8, 1), 0.0, 0.25),
    ((5, 12, 1), 0.0, 0.4),
    ((4, 8, 8, 2), 0.1, 0.3),
    ((12, 6, 6, 1), 0.0, 0.2),  # more inputs than first-layer neurons: the row-space reduction
])
def test_counts_equal_count_regions_on_each_ball(widths, alpha, radius):
    net = random_mlp(widths, seed=sum(widths), alpha=alpha)
    x = points_near(net, 12, seed=len(widths))
    lc = rw.local_counts(net, x, radius, threads=2)
    assert lc.all_complete
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x, radius))
    assert lc.counts.dtype == np.int64 and lc.sampled is None


@pytest.mark.parametrize("widths", [(50, 8, 8, 1), (784, 16, 8, 1), (9, 12, 1)])
def test_reduced_balls_are_the_walks_own_to_the_bit(widths):
    from regionwalk._ball_reduce import BallReduction
    from regionwalk.walk import _core_problem

    net = random_mlp(widths, seed=4)
    red = BallReduction(net)
    x = points_near(net, 4, seed=0)
    for c, b in zip(x, red.biases(x) if red.rank else [None] * len(x)):
        core_net, domain, seed = red.problem(c, 0.1, b)
        expected, want_domain, want_seed, _ = _core_problem(net, rw.Ball(c, 0.1), c)
        assert domain.dim == want_domain.dim and np.array_equal(seed, want_seed)
        assert core_net.hidden_neurons == expected.hidden_neurons  # (the same neurons left out)
        zero = np.zeros(core_net.hidden_neurons, dtype=bool)
        for got, want in zip(core_net.local_forms(zero), expected.local_forms(zero)):
            assert np.array_equal(got, want)


def test_one_layer_counts_equal_the_arrangement_oracle():
    net = random_mlp((3, 9, 1), seed=5)
    x = points_near(net, 10, seed=1)
    radii = np.linspace(0.1, 0.8, 10)
    lc = rw.local_counts(net, x, radii, threads=1)
    w, b = net.weights[0], net.biases[0]
    assert lc.counts.tolist() == [one_layer_count_in_ball(w, b, c, r) for c, r in zip(x, radii)]


def test_per_point_radii():
    net = random_mlp((2, 12, 12, 1), seed=3)
    x = points_near(net, 9, seed=4)
    radii = np.geomspace(0.01, 1.0, 9)
    lc = rw.local_counts(net, x, radii, threads=1)
    np.testing.assert_array_equal(lc.radii, radii)
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x, radii))


def autograd_margin(net, x):
    """min_j |z_j(x)| / ||grad z_j(x)|| over neurons with a nonzero gradient, by torch autograd."""
    import torch
    ws = [torch.tensor(w) for w in net.weights[:-1]]
    bs = [torch.tensor(b) for b in net.biases[:-1]]

    def pre(v):
        out, h = [], v
        for w, b in zip(ws, bs):
            z = w @ h + b
            out.append(z)
            h = torch.where(z > 0, z, net.alpha * z)
        return torch.cat(out)

    xt = torch.tensor(x)
    grads = torch.autograd.functional.jacobian(pre, xt).numpy()
    z = pre(xt).numpy()
    norms = np.linalg.norm(grads, axis=1)
    live = norms > 0
    return float(np.min(np.abs(z[live]) / norms[live])) if live.any() else np.inf


@pytest.mark.parametrize("widths,alpha", [((3, 8, 8, 1), 0.0), ((20, 6, 7, 1), 0.05), ((4, 6, 7, 5, 1), 0.0),
                                          ((30, 6, 6, 6, 1), 0.1), ((2, 5, 5, 5, 5, 1), 0.0), ((3, 9, 1), 0.0)])
def test_margins_are_lees_radius_by_autograd(widths, alpha):
    net = random_mlp(widths, seed=7, alpha=alpha)
    x = points_near(net, 40, seed=2)
    lc = rw.local_counts(net, x, 0.05, threads=1)
    np.testing.assert_allclose(lc.margins, [autograd_margin(net, c) for c in x], rtol=1e-9)


def test_ball_inside_the_margin_holds_one_region_and_is_not_walked():
    net = random_mlp((3, 10, 10, 1), seed=8)
    x = points_near(net, 10, seed=5)
    margins = rw.local_counts(net, x, 1e-3, threads=1).margins
    for frac in (0.5, 0.999):
        lc = rw.local_counts(net, x, frac * margins, threads=1)
        assert np.all(lc.counts == 1) and not lc.walked.any()
        assert all(rw.count_regions(net, rw.Ball(c, r)) == 1 for c, r in zip(x, frac * margins))
        # sampled points inside such a ball all share the centre's pattern
        pts = x[0] + frac * margins[0] * np.random.default_rng(0).uniform(-1, 1, (500, 3)) / np.sqrt(3)
        assert np.all(net.patterns(pts) == net.patterns(x[:1]))
    just_over = rw.local_counts(net, x, 1.01 * margins, threads=1)
    assert just_over.walked.all() and np.all(just_over.counts >= 2)
    np.testing.assert_array_equal(just_over.counts, reference_counts(net, x, 1.01 * margins))


def test_points_on_and_next_to_boundaries():
    # integer weights: the point (0.5, y) lies exactly on the hyperplane x1 = 0.5
    w1 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    b1 = np.array([-0.5, 0.0, -0.25, 0.0])
    net = rw.Network([w1, np.array([[1.0, -2.0, 1.0, 0.5]]), np.ones((1, 1))],
                     [b1, np.array([-0.1]), np.zeros(1)])
    x = np.array([[0.5, 0.3], [0.5 + 1e-12, 0.3], [0.5, 0.0], [0.0, 0.0], [0.25, 0.0], [0.9, -0.9]])
    lc = rw.local_counts(net, x, 0.1, threads=1)
    assert lc.margins[0] == 0.0 and lc.margins[2] == 0.0 and lc.margins[3] == 0.0
    assert lc.margins[1] < 1e-11
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x, 0.1))
    assert lc.counts[0] >= 2 and lc.counts[2] >= 4


def test_points_on_a_bent_second_layer_boundary():
    net = random_mlp((2, 8, 8, 1), seed=21)
    rng = np.random.default_rng(3)
    found = []
    while len(found) < 4:  # bisect a segment whose ends differ in a second-layer bit only
        p, q = rng.normal(size=(2, 2)) * 0.8
        sp, sq = net.patterns(np.array([p, q]))
        if np.any(sp[:8] != sq[:8]) or np.all(sp == sq):
            continue
        for _ in range(60):
            m = 0.5 * (p + q)
            if np.array_equal(net.patterns(m[None])[0], sp):
                p = m
            else:
                q = m
        found.append(p)
    x = np.array(found)
    lc = rw.local_counts(net, x, 0.05, threads=2)
    assert np.all(lc.margins < 1e-9) and lc.walked.all()
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x, 0.05))


def torch_net(bias: bool, leaky: bool, seed: int):
    import torch
    torch.manual_seed(seed)
    act = torch.nn.LeakyReLU(0.2) if leaky else torch.nn.ReLU()
    model = torch.nn.Sequential(torch.nn.Linear(3, 8, bias=bias), act, torch.nn.Linear(8, 8, bias=bias),
                                act, torch.nn.Linear(8, 1, bias=bias))
    return rw.Network.from_torch(model)


def pruned_net():
    ws = [w.copy() for w in random_mlp((3, 8, 8, 1), seed=4).weights]
    bs = [b.copy() for b in random_mlp((3, 8, 8, 1), seed=4).biases]
    ws[0][2] = 0.0        # a pruned first-layer neuron (bias kept: constant on every region)
    ws[1][5] = 0.0        # and a pruned second-layer neuron
    bs[1][5] = 0.0
    ws[0][6] = ws[0][1]   # a duplicated neuron
    bs[0][6] = bs[0][1]
    return rw.Network(ws, bs)


@pytest.mark.parametrize("make", [
    lambda: torch_net(bias=False, leaky=False, seed=0),
    lambda: torch_net(bias=False, leaky=True, seed=1),
    lambda: torch_net(bias=True, leaky=True, seed=2),
    pruned_net,
])
def test_degenerate_nets(make):
    net = make()
    x = np.vstack([np.zeros(3), points_near(net, 7, seed=9)])  # the origin: every bias-free plane meets
    lc = rw.local_counts(net, x, 0.3, threads=2, samples=300)
    assert lc.all_complete
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x, 0.3))
    assert np.all(lc.bounds >= lc.counts)
    assert np.all((lc.sampled >= 1) & (lc.sampled <= lc.counts))


@pytest.mark.parametrize("widths,alpha", [((2, 10, 10, 1), 0.0), ((6, 10, 10, 1), 0.1), ((30, 8, 1), 0.0)])
def test_bounds_are_the_local_bound_and_above_the_count(widths, alpha):
    net = random_mlp(widths, seed=13, alpha=alpha)
    x = points_near(net, 10, seed=3)
    radii = np.geomspace(0.01, 2.0, 10)
    lc = rw.local_counts(net, x, radii, threads=1)
    expected = [min(bounds.unstable_product(net, rw.Ball(c, r)), bounds.serra2018(net)) for c, r in zip(x, radii)]
    assert lc.bounds.tolist() == expected
    assert all(isinstance(v, int) for v in lc.bounds)
    assert np.all(lc.bounds >= lc.counts)


def test_bounds_do_not_overflow_on_wide_nets():
    net = random_mlp((40, 200, 200, 1), seed=1)
    lc = rw.local_counts(net, np.zeros((1, 40)), 100.0, max_regions=5, threads=1)
    assert lc.bounds[0] > 2**64 and isinstance(lc.bounds[0], int)
    assert lc.counts[0] == 5 and not lc.complete[0] and lc.stop_reasons[0] == "max_regions"


def test_bounds_on_deep_wide_nets_match_rw_bounds():
    net = random_mlp((3, 200, 200, 200, 200, 200, 1), seed=0)
    x = points_near(net, 4, seed=0)
    radii = np.array([0.001, 0.01, 0.1, 10.0])
    lc = rw.local_counts(net, x, radii, max_regions=3, threads=1)
    assert lc.bounds.tolist() == [min(bounds.unstable_product(net, rw.Ball(c, r)), bounds.serra2018(net))
                                  for c, r in zip(x, radii)]
    assert np.all(lc.bounds >= lc.counts)


def test_sampled_counts_are_lower_bounds_and_grow_with_samples():
    net = random_mlp((2, 16, 16, 1), seed=6)
    x = points_near(net, 10, seed=6)
    few = rw.local_counts(net, x, 0.3, threads=1, samples=20, seed=1)
    many = rw.local_counts(net, x, 0.3, threads=1, samples=4000, seed=1)
    assert np.mean(few.sampled) < np.mean(many.sampled)
    assert np.all((many.sampled >= 1) & (many.sampled <= many.counts))
    assert np.mean(many.sampled / many.counts) > 0.8
    one = rw.local_counts(net, x[:1], 0.3, threads=1, samples=4000, seed=1)
    sample = rw.sample_patterns(net, rw.Ball(x[0], 0.3), 4000)
    assert abs(int(one.sampled[0]) - sample.count) <= max(2, sample.count // 5)


def test_threads_give_identical_results():
    net = random_mlp((3, 12, 12, 1), seed=14)
    x = points_near(net, 16, seed=8)
    one = rw.local_counts(net, x, 0.4, threads=1, samples=50)
    two = rw.local_counts(net, x, 0.4, threads=2, samples=50)
    np.testing.assert_array_equal(one.counts, two.counts)
    np.testing.assert_array_equal(one.sampled, two.sampled)
    assert one.bounds.tolist() == two.bounds.tolist()


def test_limits_are_per_ball_and_give_lower_bounds():
    net = random_mlp((3, 12, 12, 1), seed=14)
    x = points_near(net, 6, seed=8)
    exact = rw.local_counts(net, x, 0.6, threads=1).counts
    capped = rw.local_counts(net, x, 0.6, threads=2, max_regions=3)
    assert np.all(capped.counts == np.minimum(exact, 3))
    assert np.array_equal(capped.complete, exact <= 3)
    assert set(capped.stop_reasons[exact > 3]) == {"max_regions"}


def test_torch_tensors_and_empty_input():
    import torch
    net = random_mlp((2, 6, 1), seed=0)
    x = torch.tensor(points_near(net, 3, seed=0), requires_grad=True)
    lc = rw.local_counts(net, x, torch.tensor(0.2), threads=1)
    np.testing.assert_array_equal(lc.counts, reference_counts(net, x.detach().numpy(), 0.2))
    images = rw.local_counts(net, points_near(net, 3, seed=0).reshape(3, 1, 2), 0.2, threads=1)
    np.testing.assert_array_equal(images.counts, lc.counts)
    empty = rw.local_counts(net, np.zeros((0, 2)), 0.1, samples=10)
    assert len(empty) == 0 and empty.sampled.shape == (0,)


def test_progress_callable_sees_every_ball():
    net = random_mlp((2, 8, 1), seed=0)
    seen = []
    rw.local_counts(net, points_near(net, 5, seed=0), 0.2, threads=1, progress=lambda *a: seen.append(a))
    assert seen[-1][:2] == (5, 5)


@pytest.mark.parametrize("kwargs,match", [
    ({"X": np.zeros(3)}, "X must have shape"),
    ({"X": np.zeros((4, 2))}, "X must have shape"),
    ({"X": np.full((2, 3), np.nan)}, "NaN"),
    ({"radius": -1.0}, "radius"),
    ({"radius": 0.0}, "radius"),
    ({"radius": np.ones(5)}, "one per point"),
    ({"radius": np.inf}, "radius"),
    ({"threads": 0}, "threads"),
    ({"time_limit": 0}, "time_limit"),
    ({"max_regions": 0}, "max_regions"),
    ({"samples": -1}, "samples"),
    ({"samples": 1.5}, "samples"),
    ({"max_regions": 2.5}, "max_regions"),
    ({"time_limit": np.nan}, "time_limit"),
    ({"backend": "dask"}, "backend"),
    ({"address": "auto"}, "backend='ray'"),
    ({"tol": -1.0}, "tol"),
    ({"tol": 0.5}, "below every ball's radius"),
])
def test_bad_input(kwargs, match):
    net = random_mlp((3, 6, 1), seed=0)
    args = {"X": np.zeros((2, 3)), "radius": 0.1, **kwargs}
    with pytest.raises(ValueError, match=match):
        rw.local_counts(net, args.pop("X"), args.pop("radius"), **args)


@pytest.mark.parametrize("kwargs,match", [
    ({"threads": True}, "threads"),
    ({"max_regions": "10"}, "max_regions"),
    ({"time_limit": "1"}, "time_limit"),
])
def test_bad_option_types(kwargs, match):
    net = random_mlp((3, 6, 1), seed=0)
    with pytest.raises(TypeError, match=match):
        rw.local_counts(net, np.zeros((2, 3)), 0.1, **kwargs)


def test_net_must_be_a_network():
    with pytest.raises(TypeError, match="regionwalk.Network"):
        rw.local_counts("net", np.zeros((1, 2)), 0.1)


@pytest.mark.skipif(os.name != "posix", reason="needs SIGINT")
@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_returns_the_counts_so_far(threads):
    # Enough balls to take seconds (400 took 0.47 s on two threads once the
    # ball test got faster), so that the signal at 0.3 s always interrupts.
    net = random_mlp((4, 24, 24, 1), seed=1)
    x = points_near(net, 5000, seed=1)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(rw.LocalInterrupted) as info:
        rw.local_counts(net, x, 0.3, threads=threads)
    timer.join()
    part = info.value.partial
    assert isinstance(info.value, KeyboardInterrupt)
    assert not part.all_complete and np.any(part.stop_reasons == "not_run")
    assert np.all(part.counts[part.stop_reasons == "not_run"] == 0)
    done = np.flatnonzero(part.complete & part.walked)[:3]
    assert len(done) >= 1
    np.testing.assert_array_equal(part.counts[done], reference_counts(net, x[done], 0.3))


# -- command line -------------------------------------------------------------------


@pytest.fixture
def cli_files(tmp_path):
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 1))
    torch.save(model, tmp_path / "m.pt")
    x = np.random.default_rng(0).normal(size=(30, 3))
    np.save(tmp_path / "x.npy", x)
    torch.save(torch.tensor(x), tmp_path / "x.pt")
    np.savetxt(tmp_path / "x.txt", x)
    return tmp_path, rw.Network.from_torch(model), x


@pytest.mark.parametrize("points", ["x.npy", "x.pt", "x.txt"])
def test_cli_writes_the_counts(cli_files, points, capsys):
    from regionwalk.cli import main

    tmp, net, x = cli_files
    out = tmp / "counts.npy"
    rc = main(["local", str(tmp / "m.pt"), "--points", str(tmp / points), "--radius", "0.3", "--out", str(out)])
    assert rc == 0
    np.testing.assert_array_equal(np.load(out), reference_counts(net, x, 0.3))
    assert "mean count" in capsys.readouterr().out


def test_cli_npz_json_and_lower_bounds(cli_files, capsys):
    import json

    from regionwalk.cli import main

    tmp, net, x = cli_files
    np.save(tmp / "r.npy", np.linspace(0.05, 0.5, len(x)))
    rc = main(["local", str(tmp / "m.pt"), "--points", str(tmp / "x.npy"), "--radii", str(tmp / "r.npy"),
               "--samples", "50", "--json", "--out", str(tmp / "all.npz")])
    assert rc == 0 and json.loads(capsys.readouterr().out)["points"] == len(x)
    saved = np.load(tmp / "all.npz")
    lc = rw.local_counts(net, x, np.linspace(0.05, 0.5, len(x)), samples=50)
    np.testing.assert_array_equal(saved["counts"], lc.counts)
    assert saved["bounds_exact"].tolist() == [str(b) for b in lc.bounds]
    assert np.all(saved["sampled"] <= saved["counts"])
    rc = main(["local", str(tmp / "m.pt"), "--points", str(tmp / "x.npy"), "--radius", "0.5", "--max-regions", "2"])
    assert rc == 3 and "lower bounds" in capsys.readouterr().out


@pytest.mark.parametrize("args,match", [
    (["--points", "missing.npy", "--radius", "0.1"], "not found"),
    (["--points", "bad.npy", "--radius", "0.1"], "3 inputs"),
])
def test_cli_bad_points(cli_files, args, match, capsys):
    from regionwalk.cli import main

    tmp, _, _ = cli_files
    np.save(tmp / "bad.npy", np.zeros((4, 5)))
    args = [str(tmp / a) if a.endswith(".npy") else a for a in args]
    assert main(["local", str(tmp / "m.pt"), *args]) == 2
    assert match in capsys.readouterr().err


# -- Ray ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_runtime():
    from regionwalk import ray_backend

    ray = ray_backend.ensure_ray(None, 2)  # ray is in the test extra: fail, not skip, without it
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("widths", [(3, 12, 12, 1), (40, 8, 8, 1)])
def test_ray_backend_gives_the_same_counts(ray_runtime, widths):
    net = random_mlp(widths, seed=14)
    x = points_near(net, 24, seed=8)
    local = rw.local_counts(net, x, 0.4, threads=2)
    dist = rw.local_counts(net, x, 0.4, threads=2, backend="ray")
    np.testing.assert_array_equal(dist.counts, local.counts)
    np.testing.assert_array_equal(dist.complete, local.complete)
    assert dist.bounds.tolist() == local.bounds.tolist()
    capped = rw.local_counts(net, x, 0.4, threads=2, backend="ray", max_regions=3)
    np.testing.assert_array_equal(capped.counts, np.minimum(local.counts, 3))
    assert set(capped.stop_reasons[local.counts > 3]) == {"max_regions"}
