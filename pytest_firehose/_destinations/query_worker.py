"""Metadata extraction queries, run on the ``jq`` package in a worker process so that a query
that never ends can be stopped.

The ``jq`` package's C code holds the GIL while a query runs: one that never ends
(``def f: f; f``, ``[repeat(1)]``) would freeze the whole process, the test or the local
server and every client of it, and no thread could stop it. A query that surely ends soon
(:func:`quick`: paths, constructions and functions that end on any value, as most
partitioning queries are) runs in this process. Any other runs in one long-lived worker
process: this module run as a script, importing only the standard library
and ``jq``. It is started on the first query to run and gets a whole batch of records a round
trip (the records partitioned together: those of one put, or of one batch from the Lambda
transformation), answering them in one line. Before each record it writes the record's
number in a small file both processes map, so that the record a query is stuck on is known
without a message a record.

What each record of a batch gets, in order (:data:`Answer`):

* its partition keys, or the message of its failure, as :func:`keys_of` gives them;
* when the query is still on it the time limit after it started (seen within a quarter of
  the limit): :func:`timed_out`'s message. The worker is stopped; the records before it are
  run again by a new one (with :data:`PATIENCE`: the query ended on them), and those after
  it, which the query did not reach, get :data:`NOT_RUN`: a query that never ends costs one
  time limit a batch, not one a record;
* when the worker dies (killed from outside, out of memory): a new one runs the batch again
  from the first record not answered; the record on which a second one dies gets
  :data:`STOPPED`, and those after it :data:`NOT_RUN`.

A worker stopped or dead is replaced at the next batch; the worker of a process that forked
stays its parent's, and the child starts its own. Where no worker can be started (no
interpreter at ``sys.executable``, one that cannot import ``jq``, or no ``select.poll`` to
wait on its pipe: Windows), the queries run in this process, without a time limit.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import math
import mmap
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import Any, TypeAlias

#: Seconds given to what is sure to end: a new worker importing ``jq``, a worker reading a
#: batch, and running again records the query ended on before.
PATIENCE = 60.0

#: The messages of a record's failure (its code is METADATA_EXTRACTION_FAILED, in
#: ``partitioning``); AWS's messages are not on record but for ``NON_JSON``.
NON_JSON = "Non JSON record provided"
QUERY_FAILED = "The metadata extraction query failed: {}"
NOT_KEYS = "The metadata extraction query did not give a JSON object of keys."
TOO_DEEP = QUERY_FAILED.format("a value is nested too deeply.")
STOPPED = "The metadata extraction query stopped without an answer for this record."
NOT_RUN = (
    "The metadata extraction query was not run on this record: it did not answer on an "
    "earlier record of the same batch."
)

#: A record's partition keys (name to text), or the message of its failure.
Answer: TypeAlias = "dict[str, str] | str"

_READY = b'"ready"\n'
#: The worker's progress file: the number of the record it is on.
_PROGRESS = struct.Struct("<q")


def _now() -> float:
    """Real seconds, as freezegun's and time-machine's fakes leave them."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def timed_out(limit: float) -> str:
    """The message of a record on which the query ran past ``limit`` seconds."""
    return f"The metadata extraction query did not end within {limit:g} seconds."


@functools.lru_cache(maxsize=256)
def program_of(query: str) -> Any:
    """The jq program of ``query`` (checked already), compiled once."""
    import jq

    return jq.compile(query)


#: The one jq builtin that reads a clock (jq 1.6's; ``mktime``, ``gmtime``, ``strftime``
#: ... convert the times they are given).
_CLOCK = re.compile(r"\bnow\b")


def reads_clock(query: str) -> bool:
    """Whether ``query`` may call ``now`` (it holds the word): its answers may change as
    the clock moves, where any other query's are the same for the same record."""
    return _CLOCK.search(query) is not None


@functools.lru_cache(maxsize=64)
def _program_at(query: str, now: float | None) -> Any:
    """The jq program of ``query``, its ``now`` the fake clock's ``now`` (epoch seconds):
    jq's own reads the machine's clock. Compiled for each instant, and only for a query
    that may call it."""
    if now is None or not reads_clock(query):
        return program_of(query)
    import jq

    return jq.compile(f"def now: $__now; {query}", args={"__now": now})


def keys_of(program: Any, data: bytes) -> Answer:
    """The partition keys ``program`` gives for the record ``data``: the values of the object
    it gives first that are text (as they are), numbers or booleans (as JSON writes them);
    or the message of the record's failure."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested past what the parser takes
        return NON_JSON
    try:
        result = program.input_value(document).first()
    except (ValueError, StopIteration) as error:
        return QUERY_FAILED.format(error)
    except RecursionError:  # a result too deep to be read
        return TOO_DEEP
    if not isinstance(result, dict):
        return NOT_KEYS
    return {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in result.items()
        if value is not None and not isinstance(value, (dict, list))
    }


# --------------------------------------------------------------------------- the worker side


def _serve() -> None:
    """The worker: one request a line (the query, the records' sizes and the time limit, in
    JSON), the records' bytes after it; the answers of a request in one line (JSON: a list of
    objects of keys and texts of failures). Before each record it writes the record's
    1-based number in the progress file, which its parent reads to know which record a
    query is stuck on. Ends when its input does."""
    sys.path[:] = json.loads(sys.argv[2])
    # Ctrl-C is the parent's to handle; the parent stops the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import jq  # noqa: F401
    except ImportError:
        return
    with open(sys.argv[1], "r+b") as file:
        progress = mmap.mmap(file.fileno(), _PROGRESS.size)
    answers = sys.stdout.buffer
    requests = sys.stdin.buffer
    answers.write(_READY)
    answers.flush()
    # An alarm ends the worker if its parent is gone while a query runs forever: set for
    # well past when the parent stops a query, renewed as records go by.
    alarm = getattr(signal, "setitimer", None)
    while True:
        line = requests.readline()
        if not line:
            return
        query, now, sizes, limit = json.loads(line)
        data = requests.read(sum(sizes))
        if len(data) < sum(sizes):
            return
        program = _program_at(query, now)
        found: list[Answer] = []
        start = 0
        armed = -limit
        for number, size in enumerate(sizes, 1):
            _PROGRESS.pack_into(progress, 0, number)
            if alarm is not None and time.monotonic() - armed > limit:
                armed = time.monotonic()
                alarm(signal.ITIMER_REAL, 3 * limit + 5)
            found.append(keys_of(program, data[start : start + size]))
            start += size
        if alarm is not None:
            alarm(signal.ITIMER_REAL, 0)
        answers.write(json.dumps(found).encode() + b"\n")
        answers.flush()


# --------------------------------------------------------------------------- the parent side


class _Worker:
    """A worker process, and its progress file."""

    def __init__(self) -> None:
        #: The process that started it: only that one may use it.
        self.owner = os.getpid()
        descriptor, self._path = tempfile.mkstemp(prefix="pytest-firehose-jq-")
        with os.fdopen(descriptor, "r+b") as file:
            file.write(bytes(_PROGRESS.size))
            file.flush()
            self._progress = mmap.mmap(file.fileno(), _PROGRESS.size)
        command = [sys.executable, "-I", os.path.abspath(__file__), self._path]
        try:
            self.process = subprocess.Popen(
                [*command, json.dumps(sys.path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            self._progress.close()
            self._remove_progress()
            raise
        assert self.process.stdout is not None
        self._poll = select.poll()
        self._poll.register(self.process.stdout.fileno(), select.POLLIN)
        #: What the worker wrote that is not yet read as a line.
        self._unread = bytearray()
        #: Its output has ended: it is dead.
        self._ended = False

    def _line(self, limit: float) -> bytes | None:
        """The worker's next line; None when it died first, or was on one record for
        ``limit`` seconds (as its progress file is seen, every quarter of ``limit``), or on
        none for :data:`PATIENCE` seconds."""
        stdout = self.process.stdout
        assert stdout is not None
        seen, deadline, searched = -1, 0.0, 0
        while (end := self._unread.find(b"\n", searched)) < 0:
            searched = len(self._unread)
            if self._ended:
                return None
            now = _now()
            if self.progress() != seen:
                seen = self.progress()
                deadline = now + (limit if seen else PATIENCE)
            if now >= deadline:
                return None
            if self._poll.poll(math.ceil(min(deadline - now, limit / 4) * 1000)):
                chunk = os.read(stdout.fileno(), 1 << 16)
                self._unread += chunk
                self._ended = not chunk
        line = bytes(self._unread[:end])
        del self._unread[: end + 1]
        return line

    def progress(self) -> int:
        """The 1-based number of the record the worker is on in its batch (0: none yet)."""
        number: int = _PROGRESS.unpack_from(self._progress)[0]
        return number

    def ready(self) -> bool:
        """Whether the worker started and said so within :data:`PATIENCE`."""
        ready = self._line(PATIENCE) == _READY.rstrip()
        if os.name == "posix":  # opened by both: it may go (elsewhere, once it is stopped)
            self._remove_progress()
        return ready

    def alive(self) -> bool:
        return not self._ended and self.process.poll() is None

    def run(
        self, query: str, now: float | None, documents: Sequence[bytes], limit: float
    ) -> list[Answer] | None:
        """The answers for ``documents``, in order, ``now`` being jq's ``now``; None when the
        worker died, or ran past ``limit`` on a record (the one :meth:`progress` numbers),
        first."""
        _PROGRESS.pack_into(self._progress, 0, 0)
        stdin = self.process.stdin
        assert stdin is not None
        request = [query, now, [len(d) for d in documents], limit]
        try:
            stdin.write(json.dumps(request).encode() + b"\n")
            stdin.writelines(documents)
            stdin.flush()
        except OSError:  # the worker is dead
            return None
        line = self._line(limit)
        if line is None:
            return None
        answers: list[Answer] = json.loads(line)
        return answers

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError, ValueError):
                assert pipe is not None
                pipe.close()
        self.process.wait()
        self._progress.close()
        self._remove_progress()

    def _remove_progress(self) -> None:
        with contextlib.suppress(OSError):
            os.remove(self._path)


_lock = threading.Lock()
_worker: _Worker | None = None
#: No worker can be started here: the queries run in this process.
_in_process = False


def _started() -> _Worker | None:
    """This process's worker, started when there is none alive; None where none starts."""
    global _worker, _in_process
    worker = _worker
    if worker is not None and worker.owner == os.getpid() and worker.alive():
        return worker
    _stop()
    if _in_process or not hasattr(select, "poll"):
        return None
    try:
        worker = _Worker()
    except OSError:
        _in_process = True
        return None
    if not worker.ready():
        worker.stop()
        _in_process = True
        return None
    _worker = worker
    return worker


def _stop() -> None:
    """Stop this process's worker, if it has one."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None and worker.owner == os.getpid():
        worker.stop()


#: The functions a query may call and still run in this process: each ends on any value,
#: in about the time it takes to read it. Left out: whatever may not end or take
#: exponential time (``range``, ``repeat``, ``while``, ``until``, ``recurse``, ``limit``,
#: functions of a query's own, ``reduce``, ``foreach``, ``label``) and the regular
#: expressions (``test``, ``match``, ``sub``..., which may backtrack for ever).
_QUICK_FUNCTIONS = frozenset((
    "if", "then", "elif", "else", "end", "and", "or", "not", "as", "try", "catch", "null",
    "true", "false", "empty", "error", "tostring", "tojson", "fromjson", "tonumber",
    "ascii_downcase", "ascii_upcase", "length", "utf8bytelength", "keys", "keys_unsorted",
    "has", "in", "type", "ltrimstr", "rtrimstr", "startswith", "endswith", "split", "join",
    "todate", "fromdate", "todateiso8601", "fromdateiso8601", "strftime", "strptime", "mktime",
    "gmtime", "now", "floor", "ceil", "round", "fabs", "min", "max", "add", "any", "all",
    "first", "last", "select", "map", "map_values", "to_entries", "from_entries",
    "with_entries", "values", "nulls", "booleans", "numbers", "strings", "arrays", "objects",
    "iterables", "scalars", "sort", "sort_by", "group_by", "unique", "unique_by", "min_by",
    "max_by", "reverse", "contains", "inside", "index", "rindex", "getpath", "explode",
    "implode",
))  # fmt: skip
#: A query's tokens: text without an interpolation, a number, a field, a variable, a
#: format, an object's key (a name before ``:``), a name, a comment, spaces, or one
#: character of punctuation.
_QUERY_TOKEN = re.compile(
    r'"(?:[^"\\]|\\[^(])*"|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.[A-Za-z_]\w*|\$[A-Za-z_]\w*'
    r"|@\w+|[A-Za-z_]\w*(?=\s*:)|(?P<name>[A-Za-z_]\w*)|#[^\n]*|\s+|[-.|,{}\[\]():<>=!+/?]"
)


@functools.lru_cache(maxsize=256)
def quick(query: str) -> bool:
    """Whether ``query`` surely ends soon on any record, so it may run in this process: it
    holds only paths, literals, constructions, comparisons, ``+``, ``-`` and ``/`` (no
    ``*``, which repeats text as many times as a number says), and calls only
    :data:`_QUICK_FUNCTIONS`, each with one argument at most (no ``;``: ``split`` of two is
    a regular expression)."""
    position = 0
    while position < len(query):
        token = _QUERY_TOKEN.match(query, position)
        if token is None:
            return False
        name = token.group("name")
        if name is not None and name not in _QUICK_FUNCTIONS:
            return False
        position = token.end()
    return True


def evaluate(
    query: str, documents: Sequence[bytes], limit: float, now: float | None
) -> list[Answer]:
    """The answer of each record of ``documents`` to ``query`` (a query that compiles), the
    query being stopped on a record after ``limit`` seconds; ``now``, the fake clock's time
    (epoch seconds), is what jq's ``now`` gives (None: the machine's). A query that surely ends soon
    (:func:`quick`) runs in this process: no worker's round trip."""
    if not documents:
        return []
    if quick(query):
        program = _program_at(query, now)
        return [keys_of(program, data) for data in documents]
    #: The limit of the batch sent next: after a time-out, the records before the one the
    #: query was stuck on are sent again, and they have ended once.
    sent_limit = limit
    answers: list[Answer] = []
    #: The answers of the records from ``end`` on: the one the query did not answer, and
    #: those after it.
    end = len(documents)
    tail: list[Answer] = []
    deaths = 0
    with _lock:
        while len(answers) < end:
            worker = _started()
            if worker is None:
                program = _program_at(query, now)
                answers.extend(keys_of(program, data) for data in documents[len(answers) : end])
                break
            start = len(answers)
            try:
                found = worker.run(query, now, documents[start:end], sent_limit)
            except BaseException:  # interrupted: the worker's answers would be out of step
                _stop()
                raise
            if found is not None:
                answers.extend(found)
                break
            # Those before the record it is on are run again (their answers were not sent).
            stuck = start + max(worker.progress() - 1, 0)
            dead = not worker.alive()
            _stop()
            if dead and not deaths:
                deaths += 1
                continue
            if not dead:
                sent_limit = PATIENCE
            failed = STOPPED if dead else timed_out(limit)
            end, tail = stuck, [failed, *[NOT_RUN] * (end - stuck - 1), *tail]
    return answers + tail


def _forget_after_fork() -> None:
    """In a forked child: the parent's worker (and lock) are the parent's."""
    global _lock, _worker
    _lock = threading.Lock()
    _worker = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
atexit.register(_stop)


if __name__ == "__main__":
    _serve()
