"""In-sandbox harness (stdlib only; copied into the sandbox and run by its interpreter).

It applies the limits from inside the boundary, drops to an unprivileged uid, runs the
target as a child and measures it with os.wait4: the rusage of a process inside a pid
namespace is invisible to the outer wait (the bwrap trap), so the numbers come from here.
At the end it writes one JSON bundle: exit status, CPU, peak RSS, the child's stdout and
stderr (capped) and every file the child left in the output folder.

usage: harness.py CONFIG.json
config: {"argv", "outdir", "bundle_fd", "limits": {...}, "uid", "seccomp", "cap",
         "wall_seconds"}

With wall_seconds, the harness stops the program itself at that deadline (its process
group) and still reports: what the program wrote so far (e.g. the results of the tests
that finished) comes back, with timed_out set. The caller's own deadline is a backstop.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import time


def _set_limits(limits: dict[str, int]) -> None:
    table = {
        "memory_bytes": resource.RLIMIT_AS,
        "cpu_seconds": resource.RLIMIT_CPU,
        "max_files": resource.RLIMIT_NOFILE,
        "max_procs": resource.RLIMIT_NPROC,
        "max_file_bytes": resource.RLIMIT_FSIZE,
    }
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, which in table.items():
        value = limits.get(name)
        if not value:
            continue
        _soft, hard = resource.getrlimit(which)
        # never above the machine's hard cap (raising it fails even for root here)
        cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
        extra = 1 if name == "cpu_seconds" else 0  # SIGXCPU first, SIGKILL a second later
        top = cap + extra if hard == resource.RLIM_INFINITY else min(cap + extra, hard)
        resource.setrlimit(which, (cap, top))


def _block_inet() -> str:
    """A seccomp filter refusing inet/packet/netlink sockets (AF_UNIX still works)."""
    import errno
    import socket

    try:
        import seccomp
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            import seccomp
        except ImportError:
            try:
                import pyseccomp as seccomp
            except ImportError:
                return "unavailable"
    filt = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for family in (socket.AF_INET, socket.AF_INET6, socket.AF_PACKET, socket.AF_NETLINK):
        filt.add_rule(seccomp.ERRNO(errno.EPERM), "socket", seccomp.Arg(0, seccomp.EQ, family))
    filt.load()
    return "loaded"


def _read_capped(path: str, cap: int) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except OSError:
        return ""
    text = data[:cap].decode("utf-8", "replace")
    return text + ("\n[... truncated]" if len(data) > cap else "")


def _wait(pid: int, start: float, wall: float) -> tuple[int, resource.struct_rusage, bool]:
    """Wait for the program; at the deadline kill its process group and reap it."""
    if wall <= 0:
        _, status, usage = os.wait4(pid, 0)
        return status, usage, False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() - start >= wall:
            for target in (-pid, pid):  # the group, and the leader should it have left it
                with contextlib.suppress(OSError):
                    os.kill(target, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(0.02)


def main(config_path: str) -> int:
    with open(config_path) as fh:
        config = json.load(fh)
    outdir = config["outdir"]
    cap = int(config.get("cap", 1 << 20))
    bundle_fd = int(config.get("bundle_fd", 1))
    bundle = os.fdopen(bundle_fd, "w") if bundle_fd != 1 else sys.stdout
    notes: list[str] = []
    if config.get("seccomp"):
        notes.append("seccomp " + _block_inet())
    stdout_path = os.path.join(outdir, "stdout.txt")
    stderr_path = os.path.join(outdir, "stderr.txt")
    uid = config.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    os.makedirs(outdir, exist_ok=True)
    _set_limits(config.get("limits", {}))
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # its own group: the deadline kills it, not this harness
            out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(err, 2)
            if bundle_fd > 2:
                os.close(bundle_fd)  # the child cannot forge the bundle
            env = dict(config.get("env") or os.environ)
            # "{python}": this very interpreter (the image's, whatever its path)
            argv = [sys.executable if a == "{python}" else a for a in config["argv"]]
            os.execve(argv[0], argv, env)
        except BaseException as exc:
            os.write(2, f"harness: cannot start {config['argv'][0]}: {exc}\n".encode())
        os._exit(127)
    status, usage, timed_out = _wait(pid, start, float(config.get("wall_seconds") or 0))
    wall = time.monotonic() - start
    outputs = {}
    for name in sorted(os.listdir(outdir)):
        path = os.path.join(outdir, name)
        if name.endswith((".json", ".jsonl")) and os.path.isfile(path):
            outputs[name] = _read_capped(path, cap * 8)
    json.dump(
        {
            "returncode": os.waitstatus_to_exitcode(status),
            "wall_s": wall,
            "user_s": usage.ru_utime,
            "sys_s": usage.ru_stime,
            "maxrss_kb": usage.ru_maxrss,
            "stdout": _read_capped(stdout_path, cap),
            "stderr": _read_capped(stderr_path, cap),
            "outputs": outputs,
            "notes": notes,
            "timed_out": timed_out,
        },
        bundle,
    )
    bundle.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
