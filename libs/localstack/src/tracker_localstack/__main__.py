"""`tracker-local run`: the whole system on one machine, stopped cleanly by Ctrl-C."""

import argparse
import os
import subprocess
import sys
from contextlib import ExitStack

from honcho.manager import Manager

from .databases import ensure_database
from .postgres import EmbeddedPostgres
from .redis import EmbeddedRedis
from .settings import LocalSettings

DATABASE_NAME = "tracker"


def _service(module: str, port: int) -> str:
    return (
        f"{sys.executable} -m uvicorn {module}.app:create_app --factory "
        f"--host 127.0.0.1 --port {port} --no-access-log"
    )


def run(settings: LocalSettings) -> int:
    with ExitStack() as servers:
        database_url = settings.database_url
        if database_url is None:
            postgres = EmbeddedPostgres(
                settings.data_dir / "postgres", settings.embedded_postgres_port
            ).start()
            servers.callback(postgres.stop)
            database_url = ensure_database(postgres.admin_url(), DATABASE_NAME)
            print(f"embedded PostgreSQL  127.0.0.1:{postgres.port}  data in {postgres.data_dir}")
        redis_url = settings.redis_url
        if redis_url is None:
            redis = EmbeddedRedis(
                settings.data_dir / "redis",
                settings.embedded_redis_port,
                settings.redis_appendfsync,
            ).start()
            servers.callback(redis.stop)
            redis_url = redis.url
            print(f"embedded Redis       127.0.0.1:{redis.port}  data in {redis.data_dir}")

        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        subprocess.run([sys.executable, "-m", "tracker_query.migrate"], env=env, check=True)
        print("database schema is up to date")

        services = {
            "ingest": ("tracker_ingest", settings.ingest_port),
            "query": ("tracker_query", settings.query_port),
            "realtime": ("tracker_realtime", settings.realtime_port),
        }
        manager = Manager()
        for name, (module, port) in services.items():
            manager.add_process(name, _service(module, port), env=env)
            print(f"{name:<20} http://127.0.0.1:{port}")
        manager.loop()
        return manager.returncode or 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="tracker-local", description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    sys.exit(run(LocalSettings()))


if __name__ == "__main__":
    main()
