"""torch models import as networks that compute the same function."""

from __future__ import annotations

import numpy as np
import pytest

import torch
nn = torch.nn

import regionwalk as rw  # noqa: E402


def _same_outputs(model, net, shape, n=64):
    x = torch.randn(n, *shape, dtype=torch.float64)
    model = model.double().eval()
    with torch.no_grad():
        want = model(x).reshape(n, -1).numpy()
    got = net(x.reshape(n, -1).numpy())
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_sequential_mlp():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 2))
    net = rw.Network.from_torch(m)
    assert net.widths == (8, 5) and net.input_dim == 3
    _same_outputs(m, net, (3,))


def test_conv_pool_batchnorm_dropout_and_nested_sequential():
    torch.manual_seed(1)
    m = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.LeakyReLU(0.05), nn.AvgPool2d(2),
        nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(2 * 3 * 3, 6)), nn.LeakyReLU(0.05),
        nn.Identity(), nn.Linear(6, 1),
    )
    m[1].running_mean.uniform_(-0.5, 0.5)
    m[1].running_var.uniform_(0.5, 2.0)
    m.eval()
    net = rw.Network.from_torch(m, input_shape=(1, 6, 6))
    assert net.input_dim == 36 and net.alpha == pytest.approx(0.05)
    _same_outputs(m, net, (1, 6, 6))


def test_conv1d_model():
    torch.manual_seed(2)
    m = nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU(), nn.AvgPool1d(2), nn.Flatten(), nn.Linear(3 * 2, 1)).eval()
    net = rw.Network.from_torch(m, input_shape=(2, 6))
    _same_outputs(m, net, (2, 6))


def test_fx_traceable_module():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 4)
            self.b = nn.Linear(4, 3)
            self.c = nn.Linear(3, 1)

        def forward(self, x):
            return self.c(torch.relu(self.b(torch.relu(self.a(x)))))

    torch.manual_seed(3)
    m = Net()
    net = rw.Network.from_torch(m)
    assert net.widths == (4, 3)
    _same_outputs(m, net, (2,))


@pytest.mark.parametrize("layer", [nn.MaxPool1d(2), nn.GELU(), nn.Sigmoid(), nn.Tanh()])
def test_unsupported_modules_are_named(layer):
    m = nn.Sequential(nn.Linear(4, 4), layer, nn.Linear(2 if isinstance(layer, nn.MaxPool1d) else 4, 1))
    with pytest.raises(ValueError, match=type(layer).__name__):
        rw.Network.from_torch(m)


def test_non_chain_module_is_rejected():
    class Skip(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)

        def forward(self, x):
            return torch.relu(self.a(x)) + x

    with pytest.raises(ValueError, match="chain"):
        rw.Network.from_torch(Skip())


def test_training_mode_batchnorm_is_rejected():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="training mode"):
        rw.Network.from_torch(m)


def test_affine_model_is_rejected():
    with pytest.raises(ValueError, match="no ReLU"):
        rw.Network.from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)))


def test_model_files_load_safely(tmp_path):
    torch.manual_seed(4)
    m = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1))
    torch.save(m, tmp_path / "module.pt")
    torch.save(m.state_dict(), tmp_path / "state.pt")
    _same_outputs(m, rw.load_model(tmp_path / "module.pt"), (2,))
    # a state dict does not record the activation: it must be named
    _same_outputs(m, rw.load_model(tmp_path / "state.pt", activation="relu"), (2,))


def test_unsafe_or_foreign_files_are_refused(tmp_path):
    import pickle

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    torch.save(Evil(), tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="cannot load .* safely"):
        rw.load_model(tmp_path / "evil.pt")
    torch.save(nn.Sequential(nn.Linear(2, 2), nn.GELU(), nn.Linear(2, 1)), tmp_path / "gelu.pt")
    with pytest.raises(ValueError, match="module of type GELU"):
        rw.load_model(tmp_path / "gelu.pt")
    (tmp_path / "raw.pt").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ValueError, match="not a torch model"):
        rw.load_model(tmp_path / "raw.pt")
    (tmp_path / "text.pt").write_text("not a model")
    with pytest.raises(ValueError, match="not a torch model"):
        rw.load_model(tmp_path / "text.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a module"):
        rw.load_model(tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not found"):
        rw.load_model(tmp_path / "missing.pt")


def test_safetensors_state_dict(tmp_path):
    import safetensors.torch as st
    m = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1))
    st.save_file(m.state_dict(), str(tmp_path / "m.safetensors"))
    _same_outputs(m, rw.load_model(tmp_path / "m.safetensors", activation="relu"), (2,))


def test_mixed_activation_slopes_are_rejected():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.LeakyReLU(0.1), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="one slope"):
        rw.Network.from_torch(m)
