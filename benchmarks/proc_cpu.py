"""CPU time of processes, read from Linux's /proc (the benchmarks' one meter of CPU).

`/proc/PID/stat` holds a process's own user and system time and the time of the children
it has waited for; a benchmark counts both, so a look's short-lived subprocesses are in
the worker's figure once they have ended."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Proc:
    ppid: int
    own: float  # utime + stime, seconds
    reaped: float  # cutime + cstime: children that ended and were waited for


def read_proc(pid: int | str) -> Proc | None:
    """One process's figures, or None if it has ended meanwhile."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name, in brackets, may hold spaces: the fields start after its ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    return Proc(
        ppid=int(fields[1]),
        own=(int(fields[11]) + int(fields[12])) / TICKS,
        reaped=(int(fields[13]) + int(fields[14])) / TICKS,
    )


def processes() -> dict[int, Proc]:
    """Every process on the machine now."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (proc := read_proc(entry)) is not None:
            table[int(entry)] = proc
    return table


def descendants(table: dict[int, Proc], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, proc in table.items():
        children.setdefault(proc.ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def children_of(parent: int) -> list[int]:
    return [pid for pid, proc in processes().items() if proc.ppid == parent]


def tree_cpu(table: dict[int, Proc], pids: set[int]) -> float:
    """CPU seconds of these processes, living or ended and waited for by one of them."""
    return sum(table[pid].own + table[pid].reaped for pid in pids if pid in table)


def cpu_seconds(pids: Iterable[int]) -> float:
    """CPU seconds of these processes now (those that have ended count nothing)."""
    return sum(proc.own + proc.reaped for pid in pids if (proc := read_proc(pid)) is not None)
