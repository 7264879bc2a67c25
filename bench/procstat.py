"""CPU time and context switches of the server's worker processes, from /proc.

CPU per request and context switches per request vary much less with the load other people
put on a shared machine than throughput does, so a change can be judged by them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    """utime + stime of the whole process (every thread, living or ended), in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def ctxt_switches(pid: int) -> dict[int, tuple[int, int]]:
    """{thread id: (voluntary, nonvoluntary) context switches} of the process's threads.

    /proc/<pid>/status counts only its main thread, so every /proc/<pid>/task/<tid>/status is
    read. A thread that ends during a measurement takes its count with it: the count is then
    a little low, never negative (anyio's idle threads end after 10 s without work)."""
    out: dict[int, tuple[int, int]] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for t in tasks:
        vol = nonvol = 0
        try:
            text = (t / "status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                vol = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                nonvol = int(line.split()[1])
        out[int(t.name)] = (vol, nonvol)
    return out


class WorkerUsage:
    """CPU and context switches the given processes used while the block ran."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def _read(self) -> tuple[int, dict[tuple[int, int], tuple[int, int]]]:
        ticks, switches = 0, {}
        for p in self.pids:
            ticks += cpu_ticks(p)
            switches.update({(p, tid): c for tid, c in ctxt_switches(p).items()})
        return ticks, switches

    def __enter__(self) -> WorkerUsage:
        self.start = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = self._read()

    def per_request(self, requests: int) -> dict[str, Any]:
        ticks = self.end[0] - self.start[0]
        vol = nonvol = 0
        for key, (v, n) in self.end[1].items():
            v0, n0 = self.start[1].get(key, (0, 0))  # a thread started meanwhile: all of its count
            vol, nonvol = vol + v - v0, nonvol + n - n0
        n = max(requests, 1)
        return {"cpu_ms_per_req": round(ticks / TICKS * 1000 / n, 3),
                "ctxsw_per_req": round((vol + nonvol) / n, 2),
                "vol_ctxsw_per_req": round(vol / n, 2), "nonvol_ctxsw_per_req": round(nonvol / n, 2)}
