"""What the first test that asks for the fake pays: the import of the fake.

A pytest session imports the fake (``pytest_firehose._doors.fake`` and what it imports) the
first time a test uses the ``firehose`` or ``kinesis`` fixture, and every pytest-xdist worker
does again. This times that import in fresh child interpreters whose bytecode caches are
warm, after ``boto3`` and the botocore modules a user's suite has already imported, against
a baseline measured the same way in the same run: a child that imports boto3 and stops.

A round runs one child of each variant back to back, in an order that rotates. Each child
reports the time its last import took (``time.perf_counter`` around it: 0 for the baseline)
and the parent takes its CPU time (user + system). Reported per variant, median [min - max]
over rounds: the import's time, the child's CPU time, and the CPU difference per round
against the baseline. ``--against DIR`` adds another checkout of the package as a variant
(``git archive COMMIT | tar -x -C DIR``), so a change is timed before and after in one run.
Then ``python -X importtime`` ranks the package's own modules by their own (self) time,
median over a few runs.

    python benchmarks/bench_first_use.py [--rounds N] [--against DIR ...] [--modules N]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT_RUNS = 5
#: What a user's suite has imported before its first test asks for the fake.
_BEFORE = "import boto3, botocore.session, botocore.client, botocore.endpoint"
#: The child: the user's imports, then (unless it is the baseline) the fake's, timed.
_CHILD = f"""
import sys, time
{_BEFORE}
started = time.perf_counter()
if sys.argv[1] == "fake":
    import pytest_firehose._doors.fake
print(time.perf_counter() - started)
"""
#: One line of ``-X importtime``: self and cumulative microseconds, indented module name.
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$")


def _environment(checkout: Path, cache: Path) -> dict[str, str]:
    """``checkout`` first on the path; bytecode written to and read from ``cache``, so every
    child after the first reads warm caches, whatever the caller's environment says."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def child_ms(env: dict[str, str], what: str) -> tuple[float, float]:
    """(the timed import, the child's CPU time) of one fresh interpreter, ms."""
    cpu = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, what],
        cwd=tempfile.gettempdir(),  # not ROOT: the current directory comes first on the path
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    cpu = (_children_cpu() - cpu) * 1000
    if done.returncode != 0:
        raise SystemExit(f"the child failed:\n{done.stderr}")
    return float(done.stdout) * 1000, cpu


def _shown(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} [{min(values):.1f} - {max(values):.1f}]"


def time_imports(rounds: int, checkouts: dict[str, Path], cache: Path) -> None:
    variants: dict[str, tuple[dict[str, str], str]] = {
        "boto3 alone": (_environment(ROOT, cache), "baseline")
    }
    for name, checkout in checkouts.items():
        variants[name] = (_environment(checkout, cache), "fake")
    for env, what in variants.values():  # write the bytecode caches, untimed
        child_ms(env, what)
    imports: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    differences: dict[str, list[float]] = defaultdict(list)
    names = list(variants)
    for number in range(rounds):
        shift = number % len(names)
        taken = {name: child_ms(*variants[name]) for name in names[shift:] + names[:shift]}
        for name, (imported, cpu) in taken.items():
            imports[name].append(imported)
            cpus[name].append(cpu)
            differences[name].append(cpu - taken["boto3 alone"][1])
        print(
            f"  round {number + 1:2}: "
            + ", ".join(f"{name} {taken[name][0]:.0f} ms" for name in names[1:]),
            flush=True,
        )
    print(f"\nms, median [min - max] over {rounds} rounds ({_BEFORE} first):")
    print(f"  {'':18} {'import of the fake':>24} {'child CPU':>26} {'CPU - boto3 alone':>26}")
    for name in names:
        print(
            f"  {name:18} {_shown(imports[name]) if name != names[0] else '-':>24} "
            f"{_shown(cpus[name]):>26} "
            f"{_shown(differences[name]) if name != names[0] else '-':>26}"
        )


def _own_self_times(env: dict[str, str]) -> dict[str, int]:
    """One ``-X importtime`` run of the fake's import: the package's modules' self times."""
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-c",
        f"{_BEFORE}\nimport pytest_firehose._doors.fake",
    ]
    done = subprocess.run(
        command, cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True, check=True
    )
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match is not None and match.group(4).startswith("pytest_firehose"):
            times[match.group(4)] = int(match.group(1))
    return times


def show_modules(env: dict[str, str], shown: int) -> None:
    seen: dict[str, list[int]] = defaultdict(list)
    for _ in range(IMPORT_RUNS):
        for module, own in _own_self_times(env).items():
            seen[module].append(own)
    medians = {module: statistics.median(values) / 1000 for module, values in seen.items()}
    print(
        f"\nthe package's modules in the fake's import (python -X importtime, self time, median "
        f"of {IMPORT_RUNS} runs): {len(medians)} modules, {sum(medians.values()):.1f} ms"
    )
    for module, ms in sorted(medians.items(), key=lambda item: -item[1])[:shown]:
        print(f"  {ms:6.2f} ms  {module}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--against",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another checkout of the package to time in the same rounds",
    )
    parser.add_argument("--modules", type=int, default=15, help="modules to list")
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}\n"
    )
    checkouts = {"this checkout": ROOT}
    for other in args.against:
        if not (other / "pytest_firehose" / "_doors" / "fake.py").is_file():
            raise SystemExit(f"{other} holds no checkout of pytest_firehose")
        checkouts[other.name] = other.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-first-use-") as cache:
        time_imports(args.rounds, checkouts, Path(cache))
        show_modules(_environment(ROOT, Path(cache)), args.modules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
