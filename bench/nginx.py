"""nginx serving pages as files: what an HTTP server does with no application at all, the
yardstick of the edge's rows in `make bench`."""

import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CONFIG = """\
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/pages;
    }}
}}
"""


class Nginx:
    """nginx in the foreground serving `pages` ({path: text}; "/a/" is stored as /a/index.html)."""

    def __init__(self, port: int, pages: dict[str, str], run_with=()):
        self.port = port
        self.run_with = list(run_with)  # a command to run nginx under (taskset, nice)
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-nginx-"))
        self.folder.chmod(0o755)  # its workers read the pages as another user
        for path, text in pages.items():
            file = self.folder / "pages" / path.strip("/") / "index.html"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text)
        for folder in [self.folder / "pages", *(self.folder / "pages").rglob("*")]:
            folder.chmod(0o755)
        (self.folder / "nginx.conf").write_text(CONFIG.format(folder=self.folder, port=port))
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin")
        command = [nginx, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")]
        command += ["-g", "daemon off;"]
        self.process = subprocess.Popen([*self.run_with, *command])
        for _ in range(100):
            try:
                urllib.request.urlopen(self.url, timeout=1).close()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)
