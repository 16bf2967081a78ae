"""Checkpoint files of a walk (``.rwck``): written atomically, read back only when intact
and made for the same network, domain and tolerance.

Layout (all integers little-endian)::

    magic      8 bytes   b"RWCK\\x89\\r\\n\\x1a"
    version    uint32    FORMAT_VERSION
    header     uint32    length of the JSON header that follows
    header     JSON      kind, fingerprint, store_points, counters, payload length
    payload    bytes     the walk's state (see ``kind``)
    checksum   32 bytes  sha256 of everything before it

``kind`` says what the payload holds: ``"core"`` (the C++ core's opaque walk
state), ``"frontier"`` (visited patterns, points and frontier items of the
Ray driver, as an ``.npz``) or ``"done"`` (the finished result, as an
``.npz``: resuming returns it without walking). A file is refused with a
one-line ``ValueError`` when it is truncated, corrupted (checksum), of another
format version, or when its fingerprint names another network, domain or
tolerance: a walk is never continued into a wrong count.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAGIC", "FORMAT_VERSION", "Checkpoint", "fingerprint", "write_checkpoint", "read_checkpoint",
           "pack_arrays", "unpack_arrays"]

MAGIC = b"RWCK\x89\r\n\x1a"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sII")
_DIGEST = 32
KINDS = ("core", "frontier", "done")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint read back and checked: its JSON ``header`` and its ``payload`` bytes."""

    path: Path
    header: dict[str, Any]
    payload: bytes

    @property
    def kind(self) -> str:
        return str(self.header["kind"])

    @property
    def count(self) -> int:
        return int(self.header.get("count", 0))

    @property
    def seconds(self) -> float:
        return float(self.header.get("seconds", 0.0))


# -- fingerprint ----------------------------------------------------------------


def _hash_arrays(tag: str, arrays: list[Any]) -> str:
    h = hashlib.sha256(tag.encode())
    for a in arrays:
        a = np.ascontiguousarray(np.asarray(a, dtype="<f8"))
        h.update(struct.pack("<I", a.ndim) + struct.pack(f"<{a.ndim}q", *a.shape))
        h.update(a.tobytes())
    return h.hexdigest()


def _domain_arrays(domain: Any, dim: int) -> tuple[str, list[Any]]:
    from regionwalk.domains import Ball, Box

    if isinstance(domain, Box):
        return "box", [domain.lo, domain.hi]
    if isinstance(domain, Ball):
        return "ball", [domain.center, [domain.radius]]
    if domain is None:
        return "whole", [[float(dim)]]
    raise TypeError(f"cannot fingerprint a domain of type {type(domain).__name__}")


def fingerprint(net: Any, domain: Any, tol: float) -> dict[str, str]:
    """What a walk's state depends on: sha256 of the network (weights, biases,
    ``alpha``), of the domain (kind and parameters), and the tolerance passed to
    the core (``0.0`` standing for its default, which the domain fixes).

    The core problem (unit box, row space of a ball) is a function of these,
    so equal fingerprints mean equal core problems.
    """
    network = _hash_arrays("network", [*net.weights, *net.biases, [net.alpha]])
    kind, arrays = _domain_arrays(domain, net.input_dim)
    dom = _hash_arrays(f"domain:{kind}", arrays)
    return {"network": network, "domain": dom, "tol": float(tol).hex()}


def _check_fingerprint(path: Path, found: dict[str, Any], expected: dict[str, str]) -> None:
    words = {"network": "another network", "domain": "another domain", "tol": "another tolerance (tol)"}
    for key, what in words.items():
        if found.get(key) != expected[key]:
            extra = ""
            if key == "tol":
                try:
                    extra = f": {float.fromhex(str(found.get(key)))!r} there, {float.fromhex(expected[key])!r} here"
                except (TypeError, ValueError):
                    pass
            raise ValueError(f"checkpoint {path} was written for {what}{extra}; it cannot resume this walk")


# -- payloads -------------------------------------------------------------------


def pack_arrays(**arrays: Any) -> bytes:
    """Arrays as the bytes of an uncompressed ``.npz`` (no pickles)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    return buf.getvalue()


def unpack_arrays(payload: bytes) -> dict[str, np.ndarray]:
    """The arrays of :func:`pack_arrays` (pickles refused)."""
    with np.load(io.BytesIO(payload), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# -- writing ----------------------------------------------------------------------


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some systems cannot open a folder; the rename is then as durable as they allow
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def encode(header: dict[str, Any], payload: bytes) -> bytes:
    """The bytes of a checkpoint file (see the module's layout)."""
    head = json.dumps({**header, "payload_bytes": len(payload)}, sort_keys=True).encode()
    body = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(head)) + head + payload
    return body + hashlib.sha256(body).digest()


def write_checkpoint(path: str | os.PathLike[str], kind: str, payload: bytes, fingerprint: dict[str, str],
                     **counters: Any) -> int:
    """Write a checkpoint atomically and durably; returns the file's size in bytes.

    The bytes go to a temporary file in the same folder, which is flushed,
    fsynced and renamed over ``path``; then the folder is fsynced. A crash at
    any moment leaves either the previous checkpoint or the new one, whole.
    ``counters`` (JSON values: ``count``, ``seconds``, ``store_points`` ...)
    go into the header.
    """
    if kind not in KINDS:
        raise ValueError(f"checkpoint kind must be one of {KINDS}, got {kind!r}")
    target = Path(path)
    data = encode({"kind": kind, "fingerprint": fingerprint, **counters}, payload)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return len(data)


# -- reading -----------------------------------------------------------------------


def _header(data: bytes, head_len: int) -> dict[str, Any] | None:
    """The JSON header, or None when it is unreadable (checked again by the checksum)."""
    try:
        header = json.loads(data[_PREFIX.size:_PREFIX.size + head_len])
    except ValueError:
        return None
    ok = isinstance(header, dict) and isinstance(header.get("payload_bytes"), int) and header["payload_bytes"] >= 0
    return header if ok else None


def decode(path: Path, data: bytes) -> Checkpoint:
    """Check and split the bytes of a checkpoint file (no fingerprint check)."""
    if not data.startswith(MAGIC) and not (len(data) < len(MAGIC) and MAGIC.startswith(data)):
        raise ValueError(f"{path} is not a regionwalk checkpoint (no RWCK header)")
    if len(data) < _PREFIX.size + _DIGEST:
        raise ValueError(f"checkpoint {path} is truncated ({len(data)} bytes)")
    _, version, head_len = _PREFIX.unpack_from(data)
    if version != FORMAT_VERSION:
        raise ValueError(f"checkpoint {path} has format version {version} (corrupted, or another regionwalk); "
                         f"this one reads version {FORMAT_VERSION}")
    header = _header(data, head_len)
    expected_size = _PREFIX.size + head_len + int(header.get("payload_bytes", -1)) + _DIGEST if header else -1
    if len(data) < max(expected_size, _PREFIX.size + head_len + _DIGEST):
        of = f" of {expected_size}" if expected_size > 0 else ""
        raise ValueError(f"checkpoint {path} is truncated ({len(data)} bytes{of})")
    body, digest = data[:-_DIGEST], data[-_DIGEST:]
    if hashlib.sha256(body).digest() != digest:
        raise ValueError(f"checkpoint {path} is corrupted: its sha256 checksum does not match")
    payload = body[_PREFIX.size + head_len:]
    if header is None or header.get("payload_bytes") != len(payload) or header.get("kind") not in KINDS:
        raise ValueError(f"checkpoint {path} is corrupted: its header does not describe its payload")
    return Checkpoint(path, header, payload)


def read_checkpoint(path: str | os.PathLike[str], expected: dict[str, str]) -> Checkpoint:
    """Read ``path`` and check it against the fingerprint ``expected`` of this walk.

    Raises
    ------
    ValueError
        One line: no such file, not a checkpoint, truncated, corrupted, another
        format version, or written for another network, domain or tolerance.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"resume: no checkpoint file at {p}") from None
    except OSError as exc:
        raise ValueError(f"resume: cannot read {p} ({exc.strerror or exc})") from None
    ck = decode(p, data)
    _check_fingerprint(p, ck.header.get("fingerprint") or {}, expected)
    return ck
