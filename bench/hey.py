"""`hey` (Debian's package) as the HTTP load generator: compiled, so it leaves the cores to the
system under test far more than a Python client would."""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class HeyResult:
    rate: float
    p50: float
    p99: float
    statuses: dict[int, int]


def hey_path() -> str:
    path = shutil.which("hey")
    if path is None:
        raise RuntimeError("hey is not installed: `make bench` installs it (apt-get install hey)")
    return path


def hey(
    url: str, body: dict[str, object], headers: dict[str, str], *, seconds: float, workers: int
) -> HeyResult:
    """POST the same JSON body as fast as `workers` connections allow, for `seconds`."""
    command = [hey_path(), "-z", f"{seconds}s", "-c", str(workers), "-m", "POST"]
    command += ["-T", "application/json", "-d", json.dumps(body)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return HeyResult(
        rate=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50=float(_find(r"50%+ in ([\d.]+) secs", output)),
        p99=float(_find(r"99%+ in ([\d.]+) secs", output)),
        statuses={
            int(code): int(count)
            for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", output)
        },
    )


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"hey printed no {pattern!r}:\n{text}")
    return match.group(1)
