"""A real container engine for the docker-backend tests: Podman's Docker-compatible API
on a private unix socket (runc, ulimits within this VM's caps), and an offline image made
from the host interpreter (no registry needed). Every step says why when it cannot run."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

IMAGE = "localhost/codie-py:3.11"
CONTAINERS_CONF = """\
[engine]
runtime = "runc"
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
"""


class EngineUnavailable(Exception):
    """No engine can be started here; the message says why."""


def start_podman(folder: Path) -> tuple[str, subprocess.Popen[bytes]]:
    podman = shutil.which("podman")
    if podman is None:
        raise EngineUnavailable("podman is not installed (make test-docker installs it)")
    if shutil.which("runc") is None:
        raise EngineUnavailable("runc is not installed (crun fails on cgroups v1 hybrid)")
    conf = folder / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    sock = folder / "podman.sock"
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    proc = subprocess.Popen(
        [podman, "system", "service", "--time=0", f"unix://{sock}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise EngineUnavailable(f"podman system service did not start: {err[-500:]}")
        time.sleep(0.1)
    return f"unix://{sock}", proc


def _ldd(binary: str) -> list[str]:
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0] if parts else ""
        if path.startswith("/"):
            libs.append(path)
    return libs


def _image_tar() -> bytes:
    """The host interpreter prefix (no tests, no site-packages), its libraries, /usr/bin/env."""
    prefix = Path(sys.base_prefix)
    stdlib = prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    skip = {
        stdlib / "test",
        stdlib / "site-packages",
        stdlib / "idlelib",
        stdlib / "tkinter",
        stdlib / "ensurepip",
        stdlib / "lib2to3",
    }
    binaries = [os.path.realpath(sys.executable), "/usr/bin/env"]
    binaries += [str(p) for p in (stdlib / "lib-dynload").glob("*.so")]
    libs = sorted({lib for binary in binaries for lib in _ldd(binary)})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:

        def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
            path = Path("/" + info.name)
            return None if any(path == s or s in path.parents for s in skip) else info

        tar.add(str(prefix), arcname=str(prefix).lstrip("/"), filter=keep)
        for path in dict.fromkeys([*libs, "/usr/bin/env"]):
            if Path(path).is_relative_to(prefix):
                continue  # libpython: already in the prefix
            tar.add(os.path.realpath(path), arcname=path.lstrip("/"))
        for name, text in (
            ("etc/passwd", "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/tmp:/bin/sh\n"),
            ("etc/group", "root:x:0:\nnogroup:x:65534:\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        tmp = tarfile.TarInfo("tmp")
        tmp.type = tarfile.DIRTYPE
        tmp.mode = 0o1777
        tar.addfile(tmp)
    return buffer.getvalue()


def ensure_image(image: str = IMAGE) -> str:
    podman = shutil.which("podman") or "podman"
    if subprocess.run([podman, "image", "exists", image], check=False).returncode == 0:
        return image
    prefix = Path(sys.base_prefix)
    done = subprocess.run(
        [podman, "import", "--change", f"ENV PATH={prefix}/bin:/usr/bin:/bin", "-", image],
        input=_image_tar(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise EngineUnavailable(f"cannot build {image}: {done.stderr.decode()[-500:]}")
    return image


if __name__ == "__main__":  # make docker-image
    print(ensure_image())
