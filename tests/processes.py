"""Real processes on loopback for the server tests: `chroma run`, `se-assistant ui` and
`se-assistant ingest`, each bounded in time and always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s: {log.read_text()[-3000:]}")


@contextmanager
def chroma_run(folder: Path) -> Iterator[tuple[str, int]]:
    """A `chroma run` on a free loopback port with its data in ``folder``: (host, port)."""
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(folder / "db"), "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat", server, log, 60)
        yield "127.0.0.1", port
    finally:
        _stop(server)


def chroma_env(chroma: tuple[str, int], **settings: str) -> dict[str, str]:
    """The environment of a child process that uses this Chroma server."""
    env = {**os.environ, "SE_ASSISTANT_CHROMA_HOST": chroma[0],
           "SE_ASSISTANT_CHROMA_PORT": str(chroma[1])}
    env.update({f"SE_ASSISTANT_{k.upper()}": str(v) for k, v in settings.items()})
    return env


@contextmanager
def chat_server(data_dir: Path, chroma: tuple[str, int], log: Path) -> Iterator[str]:
    """`se-assistant ui` on a free loopback port with its own data dir; yields its URL once
    /healthz says the index is loaded."""
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "se_assistant.cli", "ui", "--port", str(port),
             "--data-dir", str(data_dir)],
            stdout=out, stderr=subprocess.STDOUT, env=chroma_env(chroma),
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url + "healthz", server, log, 240)
        yield url
    finally:
        _stop(server)


def cli_ingest(data_dir: Path, corpus: Path, chroma: tuple[str, int],
               **settings: str) -> subprocess.CompletedProcess:
    """`se-assistant ingest` in a child process against the Chroma server."""
    return subprocess.run(
        [sys.executable, "-m", "se_assistant.cli", "ingest", "--data-dir", str(data_dir),
         "--corpus-dir", str(corpus)],
        capture_output=True, text=True, env=chroma_env(chroma, **settings), timeout=600,
    )
