"""`make serve-edge`: gunicorn on 127.0.0.1:$PORT, Varnish on 127.0.0.1:$EDGE_PORT in front of
it, and the task queue's worker that sends the purges (`worker_command`), until Ctrl-C stops
them.

Settings (environment):
- PORT (8000), EDGE_PORT (8080), HOST (127.0.0.1): where the app server and the edge listen.
- EDGE_APP_SERVERS: the app servers behind the edge, "host:port,host:port" (default this one);
  the others run `make serve` with EDGE_PURGE_URLS pointing at this edge.
- EDGE_PURGERS: addresses besides this machine's allowed to purge ("10.0.0.0/8,192.0.2.7").
- EDGE_MEMORY: how much the edge keeps (256M).

Varnish runs with deploy/varnish/default.vcl beside a site.vcl written from these settings, in a
working folder of its own (.edge/<EDGE_PORT>/), which is removed on exit. Tests and `make bench`
start it and the worker the same way (`Varnish`, `worker_command`).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VCL_FOLDER = PROJECT / "deploy" / "varnish"


def worker_command() -> list[str]:
    """The task queue's worker, which sends the edge's purges (run in the project's folder with
    the app's environment): the one command every place that starts a worker uses."""
    return [sys.executable, str(PROJECT / "manage.py"), "run_worker"]


def site_vcl(app_servers, purgers=()) -> str:
    """The site.vcl for `app_servers` ("host:port" each) and the addresses allowed to purge."""
    shipped = (VCL_FOLDER / "site.vcl").read_text()
    backends = "\n".join(
        f'backend app_{number} {{ .host = "{host}"; .port = "{port}"; .probe = newsroom_healthz; }}'
        for number, (host, port) in enumerate(_addresses(app_servers), 1)
    )
    added = "\n".join(
        f"    newsroom_app_servers.add_backend(app_{number});"
        for number in range(1, len(app_servers) + 1)
    )
    allowed = "\n".join(f"    {_acl_entry(address)};" for address in ("127.0.0.1", "::1", *purgers))
    text = _replace_between(shipped, "backend app_1", "\n\n", backends)
    text = _replace_between(text, "    newsroom_app_servers.add_backend", "\n}", added)
    return _replace_between(text, '    "127.0.0.1";', "\n}", allowed)


def _addresses(app_servers):
    for server in app_servers:
        host, _, port = server.rpartition(":")
        if not host or not port.isdigit():
            raise SystemExit(f"EDGE_APP_SERVERS: {server!r} is not host:port.")
        yield host.strip("[]"), port


def _acl_entry(address: str) -> str:
    host, slash, bits = address.partition("/")
    return f'"{host}"/{bits}' if slash else f'"{host}"'


def _replace_between(text: str, start: str, end: str, replacement: str) -> str:
    begin = text.index(start)
    return text[:begin] + replacement + text[text.index(end, begin) :]


class Varnish:
    """varnishd in the foreground, with the project's VCL, in a working folder of its own."""

    def __init__(self, port: int, app_servers, purgers=(), memory="256M", folder=None, run_with=()):
        self.port = port
        self.run_with = list(run_with)  # a command to run varnishd under (taskset, nice)
        self.folder = Path(folder or tempfile.mkdtemp(prefix="newsroom-edge-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)  # varnishd reads it as its own user
        # Both files side by side, so that default.vcl includes this site.vcl, not the shipped one.
        shutil.copy(VCL_FOLDER / "default.vcl", self.folder / "default.vcl")
        (self.folder / "site.vcl").write_text(site_vcl(app_servers, purgers))
        self.memory = memory
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log=subprocess.DEVNULL) -> "Varnish":
        command = [
            _varnishd(),
            "-F",
            "-n",
            str(self.folder / "state"),
            "-a",
            f"127.0.0.1:{self.port}",
            "-f",
            str(self.folder / "default.vcl"),
            "-p",
            f"vcl_path={self.folder}",
            "-s",
            f"malloc,{self.memory}",
        ]
        # A session of its own: Ctrl-C stops the app server and the worker that purges the
        # edge first, then the edge (`stop`).
        self.process = subprocess.Popen(
            [*self.run_with, *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"varnishd exited with status {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1).close()
                return self
            except urllib.error.HTTPError:
                return self  # Varnish answers (the app may not be up yet)
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"varnishd did not answer on port {self.port} within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _varnishd() -> str:
    found = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise SystemExit("varnishd not found: apt-get install varnish varnish-modules")
    return found


def main() -> int:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    edge_port = int(os.environ.get("EDGE_PORT", "8080"))
    app_servers = _list(os.environ.get("EDGE_APP_SERVERS")) or [f"127.0.0.1:{port}"]
    purgers = _list(os.environ.get("EDGE_PURGERS"))
    app_environment = os.environ | {
        "BIND": os.environ.get("BIND", f"{host}:{port}"),
        "EDGE_KIND": "varnish",
        "EDGE_PURGE_URLS": os.environ.get("EDGE_PURGE_URLS", f"http://127.0.0.1:{edge_port}/"),
        # The edge is the one proxy before the app: the reader's address is the one it adds.
        "TRUSTED_PROXY_COUNT": os.environ.get("TRUSTED_PROXY_COUNT", "1"),
    }
    edge = Varnish(
        edge_port,
        app_servers,
        purgers,
        memory=os.environ.get("EDGE_MEMORY", "256M"),
        folder=PROJECT / ".edge" / str(edge_port),
    )
    app = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
        cwd=PROJECT,
        env=app_environment,
    )
    # A session of its own, like the edge's: Ctrl-C reaches it once, from `stop_worker`, so it
    # finishes the purge it is sending.
    worker = subprocess.Popen(
        worker_command(), cwd=PROJECT, env=app_environment, start_new_session=True
    )
    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        edge.start(log=None)
        print(
            f"Newsroom: app server http://{host}:{port}/, edge (Varnish) http://127.0.0.1:"
            f"{edge_port}/ in front of {', '.join(app_servers)}, and the worker that purges "
            "it. Ctrl-C stops them.",
            flush=True,
        )
        while not stopping and all(
            process.poll() is None for process in (app, worker, edge.process)
        ):
            time.sleep(0.2)
    finally:
        print("Stopping the app server, the worker, then the edge…", flush=True)
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
        try:
            app.wait(timeout=40)
        except subprocess.TimeoutExpired:
            app.kill()
        # Purges it has not sent stay in the database for the next worker.
        stop_worker(worker)
        edge.stop()
    return 0 if stopping else 1


def stop_worker(worker: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a worker started with `worker_command` once it has finished the task it runs."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


if __name__ == "__main__":
    sys.exit(main())
