"""The port allocator (orthanc_packaging/ports.py): concurrent pytest runs, as
the release runs them for several Pythons at once, never get the same port.
No Orthanc here."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from orthanc_packaging import ports as allocator

pytestmark = pytest.mark.skipif(allocator.fcntl is None, reason="POSIX locks only")

HOLDER = """\
import sys
from pathlib import Path
from orthanc_packaging import ports as allocator
registry = allocator.PortRegistry(Path({lock!r}), range({start}, {stop}))
ports = []
for _ in range({count}):
    try:
        ports.append(registry.reserve())
    except RuntimeError:
        break
print(' '.join(map(str, ports)), flush=True)
sys.stdin.readline()  # hold them until told
"""


def _bindable_range(size: int) -> range:
    """``size`` consecutive test ports that nobody listens on now."""
    candidates = allocator.port_candidates()
    assert candidates is not None
    for start in range(candidates.start + 7000, candidates.stop - size, size):
        block = range(start, start + size)
        if all(allocator._can_bind(p) for p in block):
            return block
    pytest.skip("no block of free ports found")


def test_port_candidates_avoid_the_ephemeral_range() -> None:
    assert allocator.port_candidates((32768, 60999)) == range(10000, 32768)
    assert allocator.port_candidates((1024, 50000)) == range(50001, 65536)
    assert allocator.port_candidates((1024, 65000)) is None  # too few left: the kernel chooses
    ports = allocator.port_candidates()
    if ports is not None:
        low, high = allocator.ephemeral_port_range()
        assert ports.stop <= low or ports.start > high


def test_ports_of_one_process_are_all_different(tmp_path: Path) -> None:
    block = _bindable_range(6)
    registry = allocator.PortRegistry(tmp_path / "ports.lock", block)
    ports = [registry.reserve() for _ in range(6)]
    assert sorted(ports) == list(block)
    with pytest.raises(RuntimeError, match="no free TCP port"):
        registry.reserve()
    registry.release(ports[2])
    assert registry.reserve() == ports[2]


def test_a_port_in_use_is_skipped(tmp_path: Path) -> None:
    block = _bindable_range(3)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", block[1]))
        busy.listen()
        registry = allocator.PortRegistry(tmp_path / "ports.lock", block)
        assert sorted(registry.reserve() for _ in range(2)) == [block[0], block[2]]


def test_processes_never_share_a_port(tmp_path: Path) -> None:
    block = _bindable_range(8)
    lock = tmp_path / "ports.lock"
    code = HOLDER.format(lock=str(lock),
                         start=block.start, stop=block.stop, count=5)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdin is not None
        theirs = {int(p) for p in holder.stdout.readline().split()}
        assert len(theirs) == 5
        registry = allocator.PortRegistry(lock, block)
        ours = {registry.reserve() for _ in range(3)}
        assert ours == set(block) - theirs
        with pytest.raises(RuntimeError):
            registry.reserve()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(10) == 0
        # The kernel released the other process's locks when it ended.
        assert {registry.reserve() for _ in range(5)} == theirs
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_without_candidates_the_kernel_chooses(tmp_path: Path) -> None:
    # As on a machine whose ephemeral range leaves too few ports outside it.
    registry = allocator.PortRegistry(tmp_path / "ports.lock", candidates=None)
    ports = {registry.reserve() for _ in range(4)}
    assert len(ports) == 4 and ports <= registry.held()
