"""When a run cannot be done it says so in one Swedish line, exits with the code the README gives,
and leaves nothing half behind: a full disk, a denied or read-only folder, a bad promise file, a
publication folder in the wrong place, a fault of the program. No traceback reaches a person."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workbooks import HEADER, row, write_csv

from lofte_pipeline.cli import main

PERIOD = "2019-T1"


def inbox_with_a_log(root: Path, name: str = "logg.csv") -> Path:
    """INBOX/polisen/<name> with one good row, last modified an hour ago (settled)."""
    inbox = root / "INBOX"
    path = write_csv(
        inbox / "polisen" / name, [HEADER, row("2019-03-01", "Trygghetsvandring", "Härad")]
    )
    hour_ago = time.time() - 3600
    os.utime(path, (hour_ago, hour_ago))
    return inbox


def report(promise_file: Path, inbox: Path, out: Path, *more: str | Path) -> list[str]:
    return [
        "report",
        "--promise",
        str(promise_file),
        "--inbox",
        str(inbox),
        "--out",
        str(out),
        "--period",
        PERIOD,
        "--no-pdf",
        *map(str, more),
    ]


def lofte(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`python -m lofte_pipeline ARGS` as a person runs it."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "lofte_pipeline", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def one_swedish_line(err: str) -> str:
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith(("fel: ", "Ett oväntat fel"))
    return line


def leftovers(root: Path) -> list[str]:
    """Hidden version and staging folders and temporary files: what a failed run must not leave."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if ".v-" in p.name or p.name.endswith(".tmp") or ".lank-" in p.name
    )


# A fault of the program: exit 3, one line, the traceback in korning.log.


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("ett fel i programmet")


def test_an_unexpected_error_is_one_line_naming_the_log_beside_the_reports(
    tmp_path, promise_file, monkeypatch, capsys
):
    import lofte_pipeline.report

    monkeypatch.setattr(lofte_pipeline.report, "build_report", broken)
    out = tmp_path / "ut"
    assert main(report(promise_file, inbox_with_a_log(tmp_path), out)) == 3
    line = one_swedish_line(capsys.readouterr().err)
    assert str(out / "korning.log") in line
    log = (out / "korning.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: ett fel i programmet" in log
    assert f"lofte report --promise {promise_file}" in log  # the command that failed


def test_an_unexpected_error_of_a_command_without_out_is_logged_in_the_users_state_folder(
    tmp_path, promise_file, monkeypatch, capsys
):
    import lofte_pipeline.intake

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(lofte_pipeline.intake, "check_file", broken)
    log = tmp_path / "state" / "lofte" / "korning.log"
    path = write_csv(
        tmp_path / "logg.csv", [HEADER, row("2019-03-01", "Trygghetsvandring", "Härad")]
    )
    args = ["check", str(path), "--promise", str(promise_file), "--source", "polisen"]
    assert main(args) == 3
    assert str(log) in one_swedish_line(capsys.readouterr().err)
    assert "RuntimeError: ett fel i programmet" in log.read_text(encoding="utf-8")


def test_an_unexpected_error_in_a_real_process_shows_no_traceback(tmp_path, promise_file):
    out = tmp_path / "ut"
    args = report(promise_file, inbox_with_a_log(tmp_path), out)
    code = (
        "import runpy, sys; import lofte_pipeline.report as r\n"
        "def broken(*a, **k): raise RuntimeError('ett fel i programmet')\n"
        f"r.build_report = broken; sys.argv = ['lofte', *{args!r}]\n"
        "runpy.run_module('lofte_pipeline', run_name='__main__')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 3
    assert str(out / "korning.log") in one_swedish_line(run.stderr)
    assert "RuntimeError" in (out / "korning.log").read_text(encoding="utf-8")


def test_an_interrupt_is_one_line_and_exit_130(tmp_path, promise_file, monkeypatch, capsys):
    import lofte_pipeline.report

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lofte_pipeline.report, "build_report", interrupted)
    assert main(report(promise_file, inbox_with_a_log(tmp_path), tmp_path / "ut")) == 130
    assert capsys.readouterr().err.strip() == "Avbrutet."


# Folders that cannot be written: exit 2, the folder named, what to do.


def test_out_that_is_a_file_is_named_in_swedish(tmp_path, promise_file, capsys):
    out = tmp_path / "ut"
    out.write_text("en fil, ingen mapp", encoding="utf-8")
    assert main(report(promise_file, inbox_with_a_log(tmp_path), out)) == 2
    line = one_swedish_line(capsys.readouterr().err)
    assert "är en fil där en mapp behövs" in line and str(out) in line


def without_root_powers() -> tuple[str, ...]:
    """A prefix that makes a process obey file modes as other users do (root ignores them)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, and setpriv (util-linux) is not there to drop the override")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search")


@pytest.mark.parametrize("denied", ["--out", "--state"])
def test_a_folder_the_user_may_not_write_is_named_and_nothing_is_left(
    denied, tmp_path, promise_file
):
    inbox = inbox_with_a_log(tmp_path)
    folders = {"--out": tmp_path / "ut", "--state": tmp_path / "arkiv"}
    for folder in folders.values():
        folder.mkdir()
    folders[denied].chmod(0o555)
    try:
        run = lofte(
            *report(promise_file, inbox, folders["--out"], "--state", folders["--state"]),
            prefix=without_root_powers(),
        )
    finally:
        folders[denied].chmod(0o755)
    assert run.returncode == 2, run.stderr
    line = one_swedish_line(run.stderr)
    assert "Behörighet saknas: användaren" in line and str(folders[denied]) in line
    assert list(folders[denied].iterdir()) == []


def test_a_publication_folder_the_user_may_not_write_is_named(tmp_path, promise_file):
    web = tmp_path / "webb"
    web.mkdir(mode=0o555)
    args = report(promise_file, inbox_with_a_log(tmp_path), tmp_path / "ut", "--final")
    run = lofte(
        *args,
        "--approve",
        "Anna Andersson",
        "--publish-dir",
        str(web),
        prefix=without_root_powers(),
    )
    web.chmod(0o755)
    assert run.returncode == 2, run.stderr
    line = one_swedish_line(run.stderr)
    assert "Behörighet saknas" in line and str(web) in line
    assert list(web.iterdir()) == []
    assert (tmp_path / "ut" / "strangnas-2019" / PERIOD / "publicera" / "figures.json").exists()


@contextlib.contextmanager
def small_disk(folder: Path, size: str = "2m", options: str = "") -> Path:
    """A real tmpfs of `size` mounted at `folder` for the test (root only), unmounted after."""
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}{options}", "tmpfs", str(folder)]
    try:
        mounted = subprocess.run(mount, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        pytest.skip("no mount command")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path) -> Path:
    """Fill the file system to the last byte; the filler is returned to be removed."""
    filler = disk / "fyllnad"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1):
            with contextlib.suppress(OSError):
                while os.write(handle, b"\0" * size):
                    pass
    finally:
        os.close(handle)
    return filler


@pytest.mark.parametrize("full", ["--out", "--state"])
def test_a_full_disk_is_named_nothing_half_is_left_and_the_next_run_succeeds(
    full, tmp_path, promise_file, capsys
):
    inbox = inbox_with_a_log(tmp_path)
    with small_disk(tmp_path / "disk") as disk:
        folders = {"--out": tmp_path / "ut", "--state": tmp_path / "arkiv", full: disk / "mapp"}
        args = report(promise_file, inbox, folders["--out"], "--state", folders["--state"])
        filler = fill(disk)
        assert main(args) == 2
        line = one_swedish_line(capsys.readouterr().err)
        assert "Disken är full: det gick inte att skriva" in line and str(disk) in line
        assert "Frigör utrymme" in line
        assert leftovers(disk) == []
        filler.unlink()
        assert main(args) == 0
        written = folders["--out"] / "strangnas-2019" / PERIOD
        assert (written / "intern" / "korning.log").exists()
        in_use = [str(written.resolve().relative_to(disk))] if full == "--out" else []
        assert leftovers(disk) == in_use  # the version the report's link points at, no other


def test_a_read_only_publication_folder_is_named(tmp_path, promise_file, capsys):
    with small_disk(tmp_path / "webb", "1m", ",ro") as web:
        args = report(promise_file, inbox_with_a_log(tmp_path), tmp_path / "ut", "--final")
        assert main([*args, "--approve", "Anna", "--publish-dir", str(web)]) == 2
        line = one_swedish_line(capsys.readouterr().err)
        assert "Filsystemet är skrivskyddat" in line and str(web) in line


# The promise file: a date that is not in the calendar, a file far too large.


@pytest.fixture
def promise_with_a_bad_date(tmp_path, promise_file) -> Path:
    text = promise_file.read_text(encoding="utf-8")
    path = tmp_path / "lofte.yaml"
    path.write_text(text.replace("undertecknat: 2019-02-08", "undertecknat: 2019-02-30"), "utf-8")
    assert "2019-02-30" in path.read_text(encoding="utf-8")
    return path


def test_a_date_not_in_the_calendar_names_its_field(promise_with_a_bad_date, tmp_path, capsys):
    inbox = inbox_with_a_log(tmp_path)
    assert main(report(promise_with_a_bad_date, inbox, tmp_path / "ut")) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "undertecknat: ska vara ett datum som finns i kalendern" in err and "2019-02-30" in err
    run = lofte("validate-promise", str(promise_with_a_bad_date))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "undertecknat: ska vara ett datum som finns i kalendern" in run.stdout


def test_a_promise_file_over_the_cap_is_refused(tmp_path, promise_file, capsys):
    path = tmp_path / "stor.yaml"
    text = promise_file.read_text(encoding="utf-8")
    path.write_text(text + "# " + "x" * (1024**2) + "\n", encoding="utf-8")
    assert main(report(path, tmp_path, tmp_path / "ut")) == 2
    line = one_swedish_line(capsys.readouterr().err)
    assert "stor.yaml: är större än 1024 kB och läses inte" in line


# The publication folder is not the reports', the inbox's or the archive's.


def placements(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (publication folder, the option it collides with)"""
    (tmp_path / "lank").symlink_to(tmp_path / "ut", target_is_directory=True)
    return {
        "out itself": (tmp_path / "ut", "--out"),
        "inside out": (tmp_path / "ut" / "webb", "--out"),
        "a link to out": (tmp_path / "lank", "--out"),
        "out with ..": (tmp_path / "INBOX" / ".." / "ut", "--out"),
        "inside the inbox": (tmp_path / "INBOX" / "polisen" / "webb", "--inbox"),
        "inside the archive": (tmp_path / "lofte-state" / "INBOX" / "webb", "--state"),
        "holding them all": (tmp_path, "--out"),
    }


PLACES = [
    "out itself",
    "inside out",
    "a link to out",
    "out with ..",
    "inside the inbox",
    "inside the archive",
    "holding them all",
]


@pytest.mark.parametrize("place", PLACES)
def test_report_refuses_a_publication_folder_among_its_own(place, tmp_path, promise_file, capsys):
    inbox = inbox_with_a_log(tmp_path)
    web, option = placements(tmp_path)[place]
    args = report(promise_file, inbox, tmp_path / "ut", "--final", "--approve", "Anna")
    assert main([*args, "--publish-dir", str(web)]) == 2
    line = one_swedish_line(capsys.readouterr().err)
    assert "--publish-dir" in line or "publiceringsmappen" in line
    assert option in line and "Välj en publiceringsmapp utanför" in line
    assert not (tmp_path / "ut" / "strangnas-2019").exists()  # refused before anything was done


@pytest.mark.parametrize("place", ["inside out", "inside the inbox", "inside the archive"])
def test_serve_refuses_a_publication_folder_among_its_own(
    place, tmp_path, promise_file, monkeypatch, capsys
):
    import importlib.metadata

    def no_server(**kwargs: object) -> None:
        raise AssertionError("serve was started")

    monkeypatch.setattr(importlib.metadata, "entry_points", no_server)
    inbox = inbox_with_a_log(tmp_path)
    web, option = placements(tmp_path)[place]
    args = ["serve", "--promise", str(promise_file), "--inbox", str(inbox)]
    assert main([*args, "--out", str(tmp_path / "ut"), "--publish-dir", str(web)]) == 2
    assert option in one_swedish_line(capsys.readouterr().err)


def test_serve_refuses_its_default_publication_folder_inside_out(
    tmp_path, promise_file, monkeypatch, capsys
):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "entry_points", None)  # never reached
    monkeypatch.chdir(tmp_path)
    inbox = inbox_with_a_log(tmp_path)
    assert main(["serve", "--promise", str(promise_file), "--inbox", str(inbox), "--out", "."]) == 2
    assert "--out" in one_swedish_line(capsys.readouterr().err)


# korning.log: a file's name cannot add a line of its own.


def test_a_newline_in_a_file_name_cannot_forge_a_line_in_the_run_log(tmp_path, promise_file):
    inbox = inbox_with_a_log(tmp_path, name="logg\nRäknade aktiviteter: 999\nx.csv")
    assert main(report(promise_file, inbox, tmp_path / "ut")) == 0
    log = tmp_path / "ut" / "strangnas-2019" / PERIOD / "intern" / "korning.log"
    lines = log.read_text(encoding="utf-8").splitlines()
    start = lines.index("Filer:") + 1
    [file] = lines[start : lines.index("", start)]  # one file, one line
    assert file.startswith("  polisen/logg") and "Räknade aktiviteter: 999" in file
    assert [line for line in lines if line.startswith("Räknade aktiviteter:")] == [
        "Räknade aktiviteter: 1"
    ]


def test_the_run_log_writes_every_name_and_reason_on_its_own_line():
    import pandas as pd

    from lofte_pipeline.models import FileOutcome, Intake
    from lofte_pipeline.summary import run_log

    figures = {
        "promise": "strangnas-2019",
        "municipality": "Strängnäs",
        "year": 2019,
        "period": PERIOD,
        "draft": True,
        "program_version": "1",
        "activities_counted": 0,
        "personal_data_removed": 0,
        "targets": [],
    }
    files = [
        FileOutcome("polisen", "polisen/a\nRäknade aktiviteter: 999\r.csv", "0" * 64),
        FileOutcome("polisen", "polisen/b\u202e\udcc4.csv", "1" * 64, reason="Blad\n'x'"),
    ]
    text = run_log(figures, Intake(pd.DataFrame(), pd.DataFrame(), files, {})).decode("utf-8")
    assert "  polisen/a\\nRäknade aktiviteter: 999\\r.csv sha256=0000000000000000…" in text
    assert "  polisen/b\\u202e\\udcc4.csv sha256=1111111111111111… avvisad: Blad\\n'x'" in text
    assert "\nRäknade aktiviteter: 999" not in text
