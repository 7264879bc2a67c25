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


def ctxt_switches(pid: int) -> tuple[int, int]:
    """(voluntary, nonvoluntary) context switches summed over the process's threads.

    /proc/<pid>/status counts only its main thread, so every /proc/<pid>/task/<tid>/status is
    read; a thread that ends during a measurement takes its count with it (anyio's idle
    threads end after 10 s without work, which does not happen under steady load)."""
    vol = nonvol = 0
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return 0, 0
    for t in tasks:
        try:
            text = (t / "status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                vol += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                nonvol += int(line.split()[1])
    return vol, nonvol


class WorkerUsage:
    """CPU and context switches the given processes used while the block ran."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def _read(self) -> tuple[int, int, int]:
        ticks = vol = nonvol = 0
        for p in self.pids:
            ticks += cpu_ticks(p)
            v, n = ctxt_switches(p)
            vol, nonvol = vol + v, nonvol + n
        return ticks, vol, nonvol

    def __enter__(self) -> WorkerUsage:
        self.start = self._read()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end = self._read()

    def per_request(self, requests: int) -> dict[str, Any]:
        ticks, vol, nonvol = (b - a for a, b in zip(self.start, self.end, strict=True))
        n = max(requests, 1)
        return {"cpu_ms_per_req": round(ticks / TICKS * 1000 / n, 3),
                "ctxsw_per_req": round((vol + nonvol) / n, 2),
                "vol_ctxsw_per_req": round(vol / n, 2), "nonvol_ctxsw_per_req": round(nonvol / n, 2)}
