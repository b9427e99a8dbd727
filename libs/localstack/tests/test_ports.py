import os
import re
import socket

from tracker_localstack.ports import WantedPort, busy_ports_message, free_port


def test_free_ports_need_no_message() -> None:
    assert (
        busy_ports_message([WantedPort("127.0.0.1", free_port(), "ingest", "INGEST_PORT")]) is None
    )


def test_a_taken_port_is_named_with_its_holder_and_the_setting_that_moves_it() -> None:
    taken, other = free_port(), free_port()
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        message = busy_ports_message(
            [
                WantedPort("127.0.0.1", taken, "ingest", "INGEST_PORT"),
                WantedPort("127.0.0.1", other, "query", "QUERY_PORT"),
            ]
        )
    assert message is not None
    assert message.startswith("Cannot start: 1 port is in use.")
    assert f"127.0.0.1:{taken}" in message
    assert f"(pid {os.getpid()})" in message
    assert "query" not in message
    moved = re.search(r"INGEST_PORT=(\d+) make run", message)
    assert moved is not None
    assert int(moved[1]) not in {taken, other}
