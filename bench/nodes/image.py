"""``bench image build``: the reference-node image, made on this machine without any registry.

Why: images cannot be pulled here, and installing Python into an image (debootstrap) takes minutes.
The image is a few kilobytes: a rootfs skeleton (``/etc/passwd``, ``/tmp``, the merged-/usr symlinks)
built ``FROM scratch``; at run time the node backend bind-mounts, read-only, the host paths the image
names in its labels — the host's ``/usr``, its Python installation, the venv and the repository — so the
container runs exactly the code under test. Built through podman-py (``unix://`` or ``ssh://``), so the
same command builds it on a remote Podman host that has the same paths.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.nodes.errors import NodeError
from bench.nodes.podman import LABEL_HOST_MOUNTS, LABEL_PYTHON
from bench.store.rundir import REPO_ROOT

DEFAULT_IMAGE = "localhost/hilbench-node:latest"
MERGED_USR_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


@dataclass(frozen=True)
class ImageBuildResult:
    tag: str
    image_id: str
    build_s: float
    size_bytes: int
    host_mounts: list[str]
    python: str

    def as_dict(self) -> dict[str, Any]:
        return {"tag": self.tag, "image_id": self.image_id, "build_s": round(self.build_s, 3),
                "size_bytes": self.size_bytes, "host_mounts": self.host_mounts, "python": self.python}


def host_runtime() -> tuple[str, list[str], list[str]]:
    """``(python, host paths to bind read-only, rootfs symlinks)`` for running this repo's node."""
    mounts: list[str] = ["/usr"]
    links: list[str] = []
    for name in MERGED_USR_DIRS:
        path = Path("/") / name
        if path.is_symlink():
            links.append(name)
        elif path.is_dir():
            mounts.append(str(path))
    for p in (sys.base_prefix, sys.prefix, str(REPO_ROOT)):
        real = os.path.realpath(p)
        mounts.extend({p, real})
    unique: list[str] = []
    for p in sorted(set(mounts), key=len):  # keep the outermost of nested paths
        if not any(p == u or p.startswith(u.rstrip("/") + "/") for u in unique):
            unique.append(p)
    return sys.executable, unique, links


def rootfs_tar(links: list[str]) -> bytes:
    """A minimal rootfs as a tar: mount points, /tmp, /etc/passwd and group, merged-/usr symlinks."""
    buf = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d, mode in (("usr", 0o755), ("etc", 0o755), ("tmp", 0o1777), ("proc", 0o555), ("sys", 0o555),
                        ("dev", 0o755), ("run", 0o755), ("root", 0o700), ("var", 0o755), ("var/tmp", 0o1777)):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, now
            tar.addfile(info)
        for name in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = tarfile.SYMTYPE, os.readlink(f"/{name}"), now
            tar.addfile(info)
        files = {
            "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            "etc/group": "root:x:0:\nnogroup:x:65534:\n",
            "etc/hilbench-image": "hilbench reference-node image: host paths are bind-mounted at run time\n",
        }
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, now
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build_image(client: Any, tag: str = DEFAULT_IMAGE) -> ImageBuildResult:
    """Build the node image on the Podman service of ``client`` (podman-py); ``NodeError`` on failure."""
    from podman.errors import APIError, BuildError

    python, mounts, links = host_runtime()
    previous = client.images.get(tag).id if client.images.exists(tag) else None
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hilbench-image-") as ctx:
        Path(ctx, "rootfs.tar").write_bytes(rootfs_tar(links))
        Path(ctx, "Containerfile").write_text(
            "FROM scratch\nADD rootfs.tar /\n"
            f'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp\n'
            f"CMD {json.dumps([python, '-m', 'bench.node', '--help'])}\n", encoding="utf-8")
        try:
            image, _logs = client.images.build(
                path=ctx, dockerfile="Containerfile", tag=tag, rm=True, layers=False, pull=False,
                labels={LABEL_PYTHON: python, LABEL_HOST_MOUNTS: json.dumps(mounts)})
        except BuildError as exc:
            raise NodeError(f"image build {tag}: {exc.msg}") from None
        except APIError as exc:
            raise NodeError(f"image build {tag}: Podman refused: {exc.explanation or exc}") from None
    build_s = time.monotonic() - t0
    if previous and previous != image.id:  # the old build would stay behind as a dangling image
        with contextlib.suppress(APIError):
            client.images.remove(previous)
    size = int(image.attrs.get("Size") or 0)
    return ImageBuildResult(tag, image.id, build_s, size, mounts, python)
