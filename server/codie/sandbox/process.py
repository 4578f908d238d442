"""The default backend: a copied project run by a local interpreter inside OS limits.

It fails closed: the only isolation it runs with by default is bubblewrap (new mount,
pid, net, ipc and uts namespaces; host read-only, only the interpreters, /usr, /etc and
the copy visible; the copy is the only writable place besides a tmpfs), with a seccomp
filter refusing inet/packet/netlink sockets on top when a binding is installed. Without
bubblewrap it refuses to run (SandboxError, saying how to get it), unless the caller asks
for isolation "none" explicitly: only `codie test --isolation none` does, loudly.

Always: a new session, rlimits (memory, CPU, files, processes, file size) applied inside by
the harness, a throw-away uid when we are root (so RLIMIT_NPROC bites and nothing outside
the copy is writable), and on timeout the process group and every process of that uid
killed. The harness is run by Codie's own interpreter; the project's interpreter (its
.venv) is only ever started by the harness, after the uid is dropped, inside the boundary.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

from codie.sandbox.base import (
    RUN_DIR,
    WALL_GRACE_S,
    Limits,
    RunResult,
    SandboxError,
    copy_project,
    harness_source,
)
from codie.sandbox.cgroup import PidsCgroup, pid_alive, sweep_stale

INNER_ROOT = "/sandbox/project"
UID_RANGE = (1_900_000, 1_990_000)  # unnamed uids nobody else uses


def _run_quiet(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


ISOLATIONS = ("auto", "bwrap", "none")  # what a caller may ask for
HOW_TO_GET = (
    "install bubblewrap (`apt-get install bubblewrap python3-seccomp`, or "
    "`make sandbox-deps`), or use the docker backend (`--backend docker` with a "
    "Docker or Podman engine at $DOCKER_HOST)"
)


def probe() -> tuple[str | None, str]:
    """("bwrap", why) when bubblewrap can create its namespaces here, else (None, why not).

    Not cached: installing bubblewrap (or losing it) takes effect at the next run."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None, "bubblewrap (bwrap) is not installed"
    if not _run_quiet(
        [bwrap, "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    ):
        return None, f"bubblewrap ({bwrap}) cannot create namespaces here"
    return "bwrap", f"bubblewrap ({bwrap}) can create namespaces here"


def refusal(why: str) -> str:
    return (
        f"refusing to run tests without isolation: {why}. To isolate them, {HOW_TO_GET}. "
        "To run them unisolated with your own rights, at your own risk: "
        "`codie test --isolation none`."
    )


UNSAFE_WARNING = (
    "WARNING: --isolation none: the tests run WITHOUT a sandbox, with your "
    "user's rights: they can read your files and keys, write anywhere you can "
    "and reach the network. Use it only for code you trust."
)


@cache
def _seccomp_available() -> bool:
    code = (
        "import sys; sys.path.append('/usr/lib/python3/dist-packages')\n"
        "try:\n import seccomp\nexcept ImportError:\n import pyseccomp"
    )
    return _run_quiet([sys.executable, "-c", code])


def _world_traversable(path: Path) -> bool:
    """True when an unprivileged uid can reach `path` (every ancestor o+x)."""
    for part in [path, *path.parents]:
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


TMP_PREFIX = "codie-sandbox-"


@cache
def _sweep_once() -> None:
    """Copies and cgroups left by a worker that was killed mid-run (its finally never ran)."""
    sweep_stale()
    for folder in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*-*"):
        owner = folder.name.removeprefix(TMP_PREFIX).split("-")[0]
        if owner.isdigit() and not pid_alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _child_setup(cgroup: PidsCgroup | None) -> Callable[[], None]:
    def setup() -> None:
        if cgroup is not None:
            cgroup.enter()
        # die with the worker: an orphaned sandbox must never outlive it
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)

    return setup


def _kill_uid(uid: int) -> int:
    """SIGKILL every process owned by uid (escapees that left our process group)."""
    killed = 0
    for _ in range(3):  # processes may fork while we sweep
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    os.kill(int(entry), signal.SIGKILL)
                    found = True
                    killed += 1
            except (OSError, ProcessLookupError):
                continue
        if not found:
            break
    return killed


def _parents_dirs(path: Path) -> list[str]:
    """bwrap creates missing parents 0700; recreate them 0755 so the sandbox uid can pass."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) != "/":
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


class ProcessSandbox:
    name = "process"

    def __init__(self, python: str | None = None, isolation: str = "auto") -> None:
        """`python`: the project's interpreter for the program (default: Codie's own).
        `isolation`: "auto"/"bwrap" (refuse without bubblewrap) or "none" (explicit)."""
        if isolation not in ISOLATIONS:
            raise SandboxError(f"unknown isolation {isolation!r}; expected {', '.join(ISOLATIONS)}")
        self.python = python or sys.executable
        self.bwrap = ""
        if isolation == "none":
            self.mode = "none"
            self.why = "isolation none, asked for explicitly: NOT sandboxed"
        else:
            mode, why = probe()
            if mode is None:
                raise SandboxError(refusal(why))
            self.mode, self.why = mode, why
            self.bwrap = shutil.which("bwrap") or "bwrap"
        self.isolation: list[str] = []

    def _binds(self) -> list[str]:
        prefixes = {Path(sys.base_prefix), Path(sys.prefix)}
        for python in (self.python, sys.executable):
            prefixes |= {Path(python).parent.parent, Path(os.path.realpath(python)).parent.parent}
        args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for name in ("lib", "lib64", "bin", "sbin"):
            host = Path("/", name)
            if host.is_symlink():
                args += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.exists():
                args += ["--ro-bind", str(host), f"/{name}"]
        for prefix in sorted(prefixes, key=lambda p: len(p.parts)):
            if prefix.exists() and prefix != Path("/") and not str(prefix).startswith("/usr"):
                args += [*_parents_dirs(prefix), "--ro-bind", str(prefix), str(prefix)]
        return args

    def _command(self, copy: Path, config: Path, uid: int | None) -> tuple[list[str], str]:
        # Codie's own interpreter runs the harness (stdlib only): the project's interpreter
        # is a program from the workspace, started only by the harness once it has dropped
        # to the throw-away uid, inside the namespaces.
        harness = [sys.executable, "-I", "-S"]
        if self.mode == "bwrap":
            inner = Path(INNER_ROOT)
            argv = [
                self.bwrap,
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--die-with-parent",
                "--new-session",
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
                "--perms",
                "01777",
                "--tmpfs",
                "/tmp",
                *self._binds(),
                *_parents_dirs(inner),
                "--bind",
                str(copy),
                str(inner),
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--chdir",
                str(inner),
                "--clearenv",
                "--setenv",
                "PATH",
                "/usr/bin:/bin",
                *harness,
                str(inner / RUN_DIR / "harness.py"),
                str(inner / RUN_DIR / "config.json"),
            ]
            if uid is None:  # not root: bwrap needs a user namespace, caps are meaningless
                argv = [a for a in argv if a not in ("--cap-add", "CAP_SETUID", "CAP_SETGID")]
                argv.insert(1, "--unshare-user")
            return argv, str(inner)
        return [*harness, str(copy / RUN_DIR / "harness.py"), str(config)], str(copy)

    def run(
        self,
        project: Path,
        args: list[str],
        limits: Limits,
        files: dict[str, bytes],
        cancel: threading.Event | None = None,
    ) -> RunResult:
        result = RunResult(self.name, [f"isolation: {self.mode}"], None)
        _sweep_once()
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-"))
        try:
            copy = tmp / "project"
            copy_project(project, copy)
            self._run_in(copy, args, limits, files, result, cancel)
        except SandboxError as exc:
            result.error = str(exc)
        except OSError as exc:
            result.error = f"sandbox setup failed: {exc}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.isolation = result.isolation
        return result

    def _pick_uid(self) -> int | None:
        if os.geteuid() != 0:
            return None
        in_use = set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    in_use.add(os.stat(f"/proc/{entry}").st_uid)
        while (uid := random.randint(*UID_RANGE)) in in_use:
            pass
        return uid

    def _run_in(
        self,
        copy: Path,
        args: list[str],
        limits: Limits,
        files: dict[str, bytes],
        result: RunResult,
        cancel: threading.Event | None,
    ) -> None:
        run_dir = copy / RUN_DIR
        run_dir.mkdir()
        (run_dir / "harness.py").write_bytes(harness_source())
        for name, data in files.items():
            (run_dir / name).write_bytes(data)
        uid = self._pick_uid()
        # the bwrap mode can hide the host interpreter's 0700 parents; other modes cannot
        pythons = (self.python, sys.executable)
        can_drop = uid is not None and (
            self.mode == "bwrap"
            or all(
                _world_traversable(p)
                for p in (
                    Path(sys.base_prefix),
                    *(Path(x).parent for x in pythons),
                    *(Path(os.path.realpath(x)).parent for x in pythons),
                )
            )
        )
        if uid is not None and can_drop:
            copy.parent.chmod(0o711)  # mkdtemp made it 0700: let the uid reach its copy
            for path in [copy, *copy.rglob("*")]:
                os.lchown(path, uid, uid)
            result.isolation.append(f"throw-away uid {uid}")
        else:
            uid = None
            result.isolation.append("same uid (RLIMIT_NPROC not enforced for root)")
        argv, inner = self._command(copy, run_dir / "config.json", uid)
        result.inner_root = inner
        out = f"{inner}/{RUN_DIR}/out"
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "CODIE_OUT": out,
            "CODIE_RUN": f"{inner}/{RUN_DIR}",
            "TMPDIR": "/tmp" if self.mode == "bwrap" else out,
        }
        read_fd, write_fd = os.pipe()  # the harness's report channel, out of the child's reach
        os.set_inheritable(write_fd, True)
        config = {
            "argv": [self.python, *args],
            "outdir": out,
            "bundle_fd": write_fd,
            "limits": limits.harness(),
            "uid": uid,
            "env": env,
            # on top of the network namespace, when a binding is installed
            "seccomp": self.mode == "bwrap" and _seccomp_available(),
            "wall_seconds": limits.wall_seconds,
        }
        (run_dir / "config.json").write_text(json.dumps(config))
        if uid is not None:
            os.chown(run_dir / "config.json", uid, uid)
        result.isolation.append(
            f"rlimits: {limits.memory_mb} MB, {limits.cpu_seconds} s CPU, "
            f"{limits.max_procs} procs, {limits.max_files} files"
        )
        self._execute(argv, limits, uid, result, read_fd, write_fd, cancel, copy)

    def _execute(
        self,
        argv: list[str],
        limits: Limits,
        uid: int | None,
        result: RunResult,
        read_fd: int,
        write_fd: int,
        cancel: threading.Event | None,
        cwd: Path,
    ) -> None:
        cgroup = PidsCgroup.create(limits.max_procs + 8)  # + bwrap, harness, python
        if cgroup is not None:
            result.isolation.append(f"pids cgroup ({limits.max_procs + 8} processes)")
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_child_setup(cgroup),
                pass_fds=(write_fd,),
                cwd=cwd,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            )
        except (OSError, subprocess.SubprocessError) as exc:
            os.close(read_fd)
            os.close(write_fd)
            if cgroup is not None:
                cgroup.remove()
            raise SandboxError(f"cannot start the sandbox: {exc}") from exc
        os.close(write_fd)
        streams: dict[str, list[bytes]] = {"bundle": [], "stdout": [], "stderr": []}
        assert proc.stdout is not None and proc.stderr is not None
        readers = [
            threading.Thread(target=_drain, args=(stream, streams[name]), daemon=True)
            for name, stream in (("bundle", os.fdopen(read_fd, "rb")), ("stdout", proc.stdout), ("stderr", proc.stderr))
        ]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + limits.wall_seconds + WALL_GRACE_S
        try:
            while proc.poll() is None:
                if cancel is not None and cancel.is_set():
                    result.cancelled = True
                    break
                if time.monotonic() >= deadline:
                    result.timed_out = True
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.1)
        finally:
            # every descendant (escapees that setsid'd too), the group, the throw-away uid
            tree = _descendants(proc.pid)
            _kill_group(proc.pid)
            for pid in tree:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if uid is not None:
                _kill_uid(uid)
            if cgroup is not None:
                cgroup.remove()  # kills whatever is left in it first
            proc.wait()
            _wait_gone(tree)
        for reader in readers:
            reader.join(timeout=5)
        bundle = b"".join(streams["bundle"]).decode("utf-8", "replace")
        if bundle:
            result.absorb_bundle(bundle)
        if result.timed_out:
            result.error = f"timed out after {limits.wall_seconds:g} s; all its processes killed"
        elif result.cancelled:
            result.error = "cancelled; all its processes killed"
        elif not bundle:
            outer = b"".join(streams["stderr"]).decode("utf-8", "replace")[-2000:]
            result.error = f"the sandbox ended without a report (exit {proc.returncode}): {outer}"


def _drain(stream: io.BufferedIOBase, chunks: list[bytes], cap: int = 16 << 20) -> None:
    size = 0
    with stream as fh:
        while data := fh.read1(65536):
            if size < cap:
                chunks.append(data)
            size += len(data)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _wait_gone(pids: list[int], timeout: float = 3.0) -> None:
    """SIGKILL is asynchronous: wait until the killed processes have really left."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break
            if state in ("Z", "X"):
                break
            time.sleep(0.01)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
