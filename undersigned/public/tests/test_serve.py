from __future__ import annotations

from undersigned.public.management.commands.serve import ACCESS_LOG_FORMAT, granian_command


def test_it_serves_with_granian_not_runserver() -> None:
    command = granian_command("127.0.0.1", 8000, 2, 1, access_log=False)
    assert command[1:3] == ["-m", "granian"] and "--no-access-log" in command
    assert command[-1] == "undersigned.wsgi:application"


def test_the_access_log_has_no_client_address() -> None:
    command = granian_command("127.0.0.1", 8000, 2, 1, access_log=True)
    assert command[command.index("--access-log-fmt") + 1] == ACCESS_LOG_FORMAT
    assert "addr" not in ACCESS_LOG_FORMAT
