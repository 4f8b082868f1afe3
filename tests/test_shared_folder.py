"""The shared folder is untrusted input: links, loops, FIFOs, odd names, unreadable files and
folders, files still being written, vanished or too large. Each case is built here, and each run
must still write the report, account for every entry of the inbox, copy nothing from outside it,
and keep the archive and the quarantine to the state folder's group."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import pytest
from workbooks import HEADER, row, write_csv, write_xlsx

from lofte_pipeline import archive as archive_module
from lofte_pipeline import intake, snapshot
from lofte_pipeline.archive import Archive
from lofte_pipeline.errors import ReaderUnavailable
from lofte_pipeline.inbox import NOTES, list_entries, shown_name
from lofte_pipeline.isolation import IsolatedReader
from lofte_pipeline.report import build_report

MOPEDS = "Riktad insats trimmade mopeder"
SECRET = "HEMLIGT-INNEHÅLL-UTANFÖR-INKORGEN"
NOBODY = 65534


@pytest.fixture(autouse=True)
def settle_quickly(monkeypatch):
    """Files made a moment ago count as settled after a short look (the default is seconds)."""
    monkeypatch.setattr(intake, "DEFAULT_SETTLE_SECONDS", 0.05)


def log(path: Path, *places: str, day: str = "2019-02-01") -> Path:
    """A CSV log with one moped operation per place (each place is its own activity)."""
    return write_csv(
        path,
        [
            ["Datum", "Aktivitet", "Kommundel", "Plats"],
            *[[day, MOPEDS, "Härad", p] for p in places],
        ],
    )


def report(promise_file, inbox: Path, root: Path, **options):
    return build_report(promise_file, inbox, root / "ut", "2019-T1", pdf=False, **options)


def rejected(result) -> dict[str, str]:
    """intern/avvisat.csv's whole-file rejections: file -> reason (several joined by ' | ')."""
    found: dict[str, str] = {}
    text = result.path("avvisat.csv").read_text(encoding="utf-8")
    for line in csv.DictReader(io.StringIO(text)):
        if not line["blad"] and not line["rad"]:
            found[line["fil"]] = " | ".join(filter(None, [found.get(line["fil"]), line["orsak"]]))
    return found


def inputs(result) -> dict[str, list[dict]]:
    manifest = json.loads(result.path("manifest.json").read_text(encoding="utf-8"))
    found: dict[str, list[dict]] = {}
    for entry in manifest["inputs"]:
        found.setdefault(entry["file"], []).append(entry)
    return found


def mopeds(result) -> int:
    return next(t["done_to_date"] for t in result.figures["targets"] if t["id"] == "mopedinsatser")


def entries(inbox: Path) -> set[str]:
    """Every entry a run must account for, found without following links: what is not a folder,
    and a folder that cannot be walked (or is a link); lock and hidden files and the notes left
    in AVVISAT/ are not input."""
    found = set()
    for folder, folders, files in os.walk(inbox, onerror=lambda error: None):
        relative = Path(folder).relative_to(inbox).parts
        if NOTES in relative[:2]:
            continue
        for name in list(folders):
            path = Path(folder) / name
            if path.is_symlink() or not os.access(path, os.R_OK | os.X_OK):
                found.add(shown_name((*relative, name)))
        for name in files:
            if not name.startswith((".", "~$")):
                found.add(shown_name((*relative, name)))
    return found


def assert_all_accounted_for(result, inbox: Path) -> None:
    assert entries(inbox) <= set(inputs(result))
    for name, fates in inputs(result).items():
        assert all(f["outcome"] == "accepted" or f["reason"] for f in fates), name


def assert_private(state: Path) -> None:
    """Archive and quarantine: folders 0750, blobs 0440, copies and notes 0640."""
    for top, file_mode in (("arkiv", 0o440), ("karantan", 0o640)):
        for folder, _, files in os.walk(state / top):
            assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o750, folder
            for name in files:
                assert stat.S_IMODE(os.lstat(Path(folder) / name).st_mode) == file_mode, name


def stored_bytes(state: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(state.rglob("*")) if p.is_file())


# --- what is not a regular file -----------------------------------------------------------------


def test_links_loops_fifos_sockets_and_devices_are_rejected_by_what_they_are(
    tmp_path, promise_file, monkeypatch
):
    outside = tmp_path / "utanfor"
    shadow = log(outside / "shadow", SECRET)  # a valid log: following the link would count it
    inbox = tmp_path / "INBOX"
    police = inbox / "polisen"
    log(police / "bra.csv", "Hamnen")
    log(police / "2019" / "vår.csv", "Torget")  # a real subfolder is still read
    (police / "trasig.xlsx").write_bytes(b"inget kalkylark")  # quarantined, as before
    (police / "s.csv").symlink_to(shadow)
    (police / "dinglar.csv").symlink_to(tmp_path / "finns-inte.csv")
    (police / "mapp").symlink_to(outside, target_is_directory=True)
    (police / "slinga.csv").symlink_to("slinga.csv")
    os.mkfifo(police / "ror.csv")
    monkeypatch.chdir(police)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("uttag.csv")
        if os.geteuid() == 0:
            os.mknod(police / "enhet.csv", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        (inbox / "kommunen").symlink_to(outside, target_is_directory=True)
        umask = os.umask(0)  # the modes of the archive must not depend on it
        try:
            started = time.monotonic()
            result = report(promise_file, inbox, tmp_path)
            assert time.monotonic() - started < 30  # the FIFO blocked nothing
        finally:
            os.umask(umask)
        assert_all_accounted_for(result, inbox)
    reasons = rejected(result)
    assert "länk (genväg) till en fil" in reasons["polisen/s.csv"]
    assert "pekar på något som inte finns" in reasons["polisen/dinglar.csv"]
    assert "länk (genväg) till en mapp" in reasons["polisen/mapp"]
    assert "slinga" in reasons["polisen/slinga.csv"]
    assert "FIFO" in reasons["polisen/ror.csv"]
    assert "socket" in reasons["polisen/uttag.csv"]
    if os.geteuid() == 0:
        assert "enhetsfil" in reasons["polisen/enhet.csv"]
    assert "länk (genväg) till en mapp" in reasons["kommunen"]
    assert mopeds(result) == 2  # bra.csv and 2019/vår.csv, nothing from outside
    state = tmp_path / "lofte-state" / "INBOX"
    assert SECRET.encode() not in stored_bytes(state)
    with Archive(state) as archive:
        assert {v.name for v in archive.current_versions()} == {
            "polisen/bra.csv",
            "polisen/2019/vår.csv",
            "polisen/trasig.xlsx",
        }
    assert (state / "karantan" / "polisen" / "trasig.xlsx").is_file()
    assert_private(state)
    # Whoever dropped them reads why in the folder they use.
    note = (police / NOTES / "s.csv.txt").read_text(encoding="utf-8")
    assert "polisen/s.csv" in note and "länk (genväg) till en fil" in note
    assert "länk (genväg) till en mapp" in (inbox / NOTES / "kommunen.txt").read_text("utf-8")
    assert not (outside / NOTES).exists()
    assert rejected(report(promise_file, inbox, tmp_path)) == reasons  # the notes are not input


def test_a_name_that_is_not_utf8_is_read_and_shown_with_its_bytes_escaped(tmp_path, promise_file):
    inbox = tmp_path / "INBOX"
    log(inbox / "kommunen" / "bra.csv", "Hamnen")
    (inbox / "polisen").mkdir()
    folder = os.fsencode(inbox / "polisen")
    with open(folder + b"/Tr\xe4ff \xc5ker.csv", "wb") as latin1:
        latin1.write(log(tmp_path / "mall.csv", "Torget").read_bytes())
    with open(folder + b"/trasig \xe9.xlsx", "wb") as broken:
        broken.write(b"inget kalkylark")
    result = report(promise_file, inbox, tmp_path)
    assert mopeds(result) == 2
    fates = inputs(result)
    assert fates["polisen/Tr\\xe4ff \\xc5ker.csv"][0]["outcome"] == "accepted"
    assert "inget kalkylark" in rejected(result)["polisen/trasig \\xe9.xlsx"]
    assert "Tr\\xe4ff" in result.path("aktiviteter.csv").read_text(encoding="utf-8")
    assert (inbox / "polisen" / NOTES / "trasig _xe9.xlsx.txt").is_file()
    assert_all_accounted_for(result, inbox)


def test_control_characters_in_a_name_cannot_forge_lines():
    assert shown_name(("polisen", "a\nb\u202ecsv.xlsx")) == "polisen/a\\x0ab\\u202ecsv.xlsx"


# --- what the pipeline may not read: run as an unprivileged user --------------------------------

AS_NOBODY = """
import sys
from lofte_pipeline import intake
from lofte_pipeline.report import build_report
intake.DEFAULT_SETTLE_SECONDS = 0.0
build_report(sys.argv[1], sys.argv[2], sys.argv[3], "2019-T1", pdf=False)
"""


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def nobody_python(home: Path) -> tuple[list[str], dict[str, str]]:
    """An interpreter the unprivileged user can start, with this package importable: this one,
    or the system's of the same version given the environment's packages (a venv made from an
    interpreter under /root cannot be started by anyone else)."""
    paths = [str(Path(intake.__file__).resolve().parents[1]), sysconfig.get_paths()["purelib"]]
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": os.pathsep.join(paths)}
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, shutil.which(version, path="/usr/bin:/usr/local/bin")):
        if python is None:
            continue
        try:
            probe = subprocess.run(
                [python, "-c", "import lofte_pipeline.report"],
                env=env,
                preexec_fn=_as_nobody,
                capture_output=True,
                cwd=home,
            )
        except OSError:  # not even started
            continue
        if probe.returncode == 0:
            return [python], env
    pytest.skip("no interpreter the unprivileged user can start with this package")


@pytest.fixture
def nobody_root():
    if os.geteuid() != 0:
        pytest.skip("needs root to run the pipeline as another, unprivileged user")
    root = Path(tempfile.mkdtemp(prefix="lofte-nobody-"))
    os.chmod(root, 0o755)  # outside pytest's 0700 folders, so the user can reach it
    try:
        yield root
    finally:
        for folder, _, _ in os.walk(root):
            os.chmod(folder, 0o755)
        shutil.rmtree(root)


def test_an_unreadable_file_and_an_unlistable_folder_are_reported_and_the_report_written(
    nobody_root, promise_file
):
    inbox = nobody_root / "INBOX"
    log(inbox / "polisen" / "bra.csv", "Hamnen")
    log(inbox / "polisen" / "lasskyddad.csv", "Torget")
    log(inbox / "polisen" / "stangd" / "inne.csv", "Kyrkan")
    log(inbox / "kommunen" / "inne.csv", "Skolan")
    (nobody_root / "ut").mkdir()
    for folder, folders, files in os.walk(nobody_root):
        for name in [".", *folders, *files]:
            os.chown(Path(folder) / name, NOBODY, NOBODY)
    os.chmod(inbox / "polisen" / "lasskyddad.csv", 0o000)
    os.chmod(inbox / "polisen" / "stangd", 0o000)
    os.chmod(inbox / "kommunen", 0o000)
    python, env = nobody_python(nobody_root)
    run = subprocess.run(
        [*python, "-c", AS_NOBODY, str(promise_file), str(inbox), str(nobody_root / "ut")],
        env=env,
        preexec_fn=_as_nobody,
        capture_output=True,
        text=True,
        cwd=nobody_root,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    folder = nobody_root / "ut" / "strangnas-2019" / "2019-T1"
    avvisat = (folder / "intern" / "avvisat.csv").read_text(encoding="utf-8")
    reasons = {r["fil"]: r["orsak"] for r in csv.DictReader(io.StringIO(avvisat))}
    assert "får inte läsa filen" in reasons["polisen/lasskyddad.csv"]
    assert "får inte läsa mappen" in reasons["polisen/stangd"]
    assert "får inte läsa mappen" in reasons["kommunen"]
    figures = json.loads((folder / "publicera" / "figures.json").read_text(encoding="utf-8"))
    assert figures["sources"]["polisen"]["files"] == 3
    assert figures["sources"]["kommunen"]["files_rejected"] == 1
    note = inbox / "polisen" / NOTES / "lasskyddad.csv.txt"
    assert "får inte läsa filen" in note.read_text(encoding="utf-8")


# --- files that change, vanish or are too large ------------------------------------------------


def test_a_file_still_being_written_is_reported_and_its_last_settled_version_counts(
    tmp_path, promise_file, monkeypatch
):
    inbox = tmp_path / "INBOX"
    path = log(inbox / "polisen" / "logg.csv", "Hamnen", "Torget", "Kyrkan")
    assert mopeds(report(promise_file, inbox, tmp_path)) == 3
    stop = threading.Event()

    def copy_slowly() -> None:
        with path.open("a", encoding="utf-8") as out:
            for n in range(1000):
                if stop.is_set():
                    return
                out.write(f"2019-02-0{1 + n % 9};{MOPEDS};Härad;Plats {n}\n")
                out.flush()
                time.sleep(0.01)

    copying = threading.Thread(target=copy_slowly)
    copying.start()
    try:
        time.sleep(0.05)
        monkeypatch.setattr(intake, "DEFAULT_SETTLE_SECONDS", 0.3)
        during = report(promise_file, inbox, tmp_path)
    finally:
        stop.set()
        copying.join()
    assert "skrivs fortfarande" in rejected(during)["polisen/logg.csv"]
    assert mopeds(during) == 3  # the previous version's rows still count
    assert during.figures["sources"]["polisen"] == {
        **during.figures["sources"]["polisen"],
        "files": 1,
        "files_rejected": 0,
    }
    with Archive(tmp_path / "lofte-state" / "INBOX") as archive:
        assert len(archive.history("polisen/logg.csv")) == 1
    assert not (inbox / "polisen" / NOTES).exists()  # nothing for staff to fix
    monkeypatch.setattr(intake, "DEFAULT_SETTLE_SECONDS", 0.05)
    after = report(promise_file, inbox, tmp_path)
    assert mopeds(after) > 3 and "polisen/logg.csv" not in rejected(after)


def test_a_file_growing_while_it_is_copied_is_not_taken(tmp_path):
    inbox = tmp_path / "INBOX"
    path = log(inbox / "polisen" / "logg.csv", "Hamnen")
    [entry] = list_entries(inbox)
    with snapshot.OpenedFile(inbox, entry) as source:
        data = source.read()
        with path.open("ab") as out:
            out.write(b"2019-02-02;x;y\n")
        with pytest.raises(snapshot.EntryProblem, match="skrivs fortfarande"):
            source.check(len(data))


def test_a_file_that_vanishes_between_listing_and_reading_is_reported(
    tmp_path, promise_file, monkeypatch
):
    inbox = tmp_path / "INBOX"
    log(inbox / "polisen" / "bra.csv", "Hamnen")
    gone = log(inbox / "kommunen" / "borta.csv", "Torget")
    settle = snapshot.settle

    def vanishing(*args, **kwargs):
        gone.unlink(missing_ok=True)
        return settle(*args, **kwargs)

    monkeypatch.setattr(snapshot, "settle", vanishing)
    result = report(promise_file, inbox, tmp_path)
    assert "försvann" in rejected(result)["kommunen/borta.csv"]
    assert mopeds(result) == 1


def test_a_file_over_the_size_limit_is_refused_up_front_and_kept_by_hash_and_size_only(
    tmp_path, promise_file
):
    inbox = tmp_path / "INBOX"
    log(inbox / "polisen" / "bra.csv", "Hamnen")
    big = inbox / "kommunen" / "stor.xlsx"
    big.parent.mkdir(parents=True)
    with big.open("wb") as out:
        out.write(b"PK\x03\x04")
        out.truncate(60 * 1024 * 1024)  # sparse: made at once
    result = report(promise_file, inbox, tmp_path)
    assert "gränsen är 52 MB" in rejected(result)["kommunen/stor.xlsx"]
    state = tmp_path / "lofte-state" / "INBOX"
    sha256 = hashlib.sha256(big.read_bytes()).hexdigest()
    with Archive(state) as archive:
        [version] = archive.history("kommunen/stor.xlsx")
        assert (version.sha256, version.size, version.kept) == (sha256, 60 * 1024 * 1024, False)
        assert not archive.blob_path(sha256).exists()
    assert not (state / "karantan" / "kommunen" / "stor.xlsx").exists()
    assert (inbox / "kommunen" / NOTES / "stor.xlsx.txt").is_file()
    assert sum(p.stat().st_size for p in state.rglob("*") if p.is_file()) < 5 * 1024 * 1024


def test_unchanged_files_are_neither_copied_nor_hashed_again(tmp_path, promise_file, monkeypatch):
    inbox = tmp_path / "INBOX"
    for n in range(5):
        log(inbox / "polisen" / f"logg-{n}.csv", f"Plats {n}")
    report(promise_file, inbox, tmp_path)
    read = []
    hashing = archive_module.copy_hashing

    def counted(source, out):
        if isinstance(source, snapshot.OpenedFile):  # not the report's own files
            read.append(source.entry.name)
        return hashing(source, out)

    monkeypatch.setattr(archive_module, "copy_hashing", counted)
    assert mopeds(report(promise_file, inbox, tmp_path)) == 5
    assert read == []
    log(inbox / "polisen" / "logg-1.csv", "Plats 1", "Ny plats")
    assert mopeds(report(promise_file, inbox, tmp_path)) == 6
    assert read == ["polisen/logg-1.csv"]


# --- the reason reaches whoever dropped the file ------------------------------------------------


def test_the_note_beside_a_rejected_file_goes_when_it_is_fixed_and_its_folder_is_not_input(
    tmp_path, promise_file
):
    inbox = tmp_path / "INBOX"
    log(inbox / "polisen" / "bra.csv", "Hamnen")
    broken = inbox / "kommunen" / "trasig.xlsx"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"inget kalkylark")
    outside = tmp_path / "utanfor"
    outside.mkdir()
    (inbox / "polisen" / NOTES).symlink_to(outside, target_is_directory=True)
    first = report(promise_file, inbox, tmp_path)
    note = inbox / "kommunen" / NOTES / "trasig.xlsx.txt"
    assert "inget kalkylark" in note.read_text(encoding="utf-8")
    assert "länk (genväg) till en mapp" in rejected(first)["polisen/AVVISAT"]
    assert list(outside.iterdir()) == []  # no note written through a link
    # Something else put in the notes folder is reported, never read.
    log(inbox / "kommunen" / NOTES / "egen.csv", "Torget")
    second = report(promise_file, inbox, tmp_path)
    assert "mappen AVVISAT" in rejected(second)["kommunen/AVVISAT/egen.csv"]
    assert mopeds(second) == 1
    assert "kommunen/trasig.xlsx" in rejected(second)
    write_xlsx(broken, {"Logg": [HEADER, row("2019-02-03", MOPEDS, "Härad", "Kyrkan")]})
    fixed = report(promise_file, inbox, tmp_path)
    assert mopeds(fixed) == 2 and "kommunen/trasig.xlsx" not in rejected(fixed)
    assert not note.exists()
    assert_all_accounted_for(fixed, inbox)
    quarantine = tmp_path / "lofte-state" / "INBOX" / "karantan" / "kommunen"
    assert (quarantine / "trasig.xlsx").exists()  # the rejected version stays in quarantine


def test_a_reader_that_failed_is_no_verdict_the_file_is_read_again_next_run(
    tmp_path, promise_file, monkeypatch
):
    inbox = tmp_path / "INBOX"
    log(inbox / "polisen" / "logg.csv", "Hamnen")
    check = IsolatedReader.check

    def unavailable(self, *args, **kwargs):
        raise ReaderUnavailable("Filen kunde inte läsas nu, försöks igen vid nästa körning.")

    monkeypatch.setattr(IsolatedReader, "check", unavailable)
    failed = report(promise_file, inbox, tmp_path)
    assert "försöks igen" in rejected(failed)["polisen/logg.csv"]
    state = tmp_path / "lofte-state" / "INBOX"
    assert not [p for p in (state / "cache").rglob("*") if p.is_file()]
    assert not (state / "karantan").exists() and not (inbox / "polisen" / NOTES).exists()
    with Archive(state) as archive:
        assert archive.history("polisen/logg.csv")[0].outcome is None
    monkeypatch.setattr(IsolatedReader, "check", check)
    assert mopeds(report(promise_file, inbox, tmp_path)) == 1
