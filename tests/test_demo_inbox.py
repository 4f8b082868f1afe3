"""The demo inbox looks like what staff send: several formats, mess included, deterministic.

Files are read back with openpyxl and csv directly (not the pipeline's reader), so these tests
check the generator on its own terms.
"""

from __future__ import annotations

import codecs
import csv
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import yaml

from lofte_pipeline.demo import write_demo_inbox
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.promise import Promise, bundled_promise_path, load_promise, parse_promise
from lofte_pipeline.text import fold, fold_compact

MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
HEADERS = {
    "Datum": {"datum", "date", "dag", "genomfort", "datumforaktivitet"},
    "Aktivitet": {"aktivitet", "aktivitetstyp", "typ", "insats", "typavaktivitet"},
    "Kommundel": {"kommundel", "omrade", "ort", "kommundel/ort"},
    "Plats": {"plats", "adress", "lokal", "plats/adress", "omradesnamn"},
    "Antal": {"antal", "antaldeltagare", "antalkontrollerade"},
    "Kommentar": {"kommentar", "anteckning", "notering", "beskrivning"},
}


@pytest.fixture(scope="module")
def promise() -> Promise:
    return load_promise(bundled_promise_path())


@pytest.fixture(scope="module")
def inbox(promise: Promise, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("inbox")
    return root, write_demo_inbox(promise, root)


def to_date(value: object) -> date | None:
    """Every date form the generator writes, as a date (None for an empty cell)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (int, float)):
        return date(1899, 12, 30) + timedelta(days=int(value))
    text = str(value or "").strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)( \d\d:\d\d)?", text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})[/ ](\d{4})", text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{1,2}) ([a-zå]+) (\d{4})", text):
        return date(int(m[3]), MONTHS.index(m[2]) + 1, int(m[1]))
    raise AssertionError(f"unexpected date form {text!r}")


def read_table(path: Path, promise: Promise) -> tuple[list[str], list[dict[str, object]]]:
    """(raw header, rows keyed by canonical column) from an xlsx (all sheets) or a csv."""
    source = promise.source(path.parent.name)
    aliases = {
        k: v | {fold_compact(s) for s in source.column_synonyms.get(k, ())}
        for k, v in HEADERS.items()
    }
    tables: list[list[list[object]]] = []
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        tables = [
            [list(r) for r in ws.iter_rows(values_only=True)]
            for ws in wb
            if ws.title != "Redovisning"  # the partners' texts, not a log
        ]
    else:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if raw.startswith(codecs.BOM_UTF8) else raw.decode("cp1252")
        delimiter = ";" if ";" in text.splitlines()[0] else ","
        tables = [list(csv.reader(text.splitlines(), delimiter=delimiter))]
    headers, rows = [], []
    for table in tables:
        at = next(
            i
            for i, r in enumerate(table)
            if sum(fold_compact(c) in set().union(*aliases.values()) for c in r) >= 4
        )
        names = [
            next((k for k, v in aliases.items() if fold_compact(c) in v), None) for c in table[at]
        ]
        headers += [str(c) for c in table[at]]
        for r in table[at + 1 :]:
            row = {n: (None if v == "" else v) for n, v in zip(names, r) if n}
            if any(v is not None for v in row.values()):
                rows.append(row)
    return headers, rows


def all_rows(root: Path, promise: Promise) -> list[dict[str, object]]:
    out = []
    for path in sorted(root.glob("*/*")):
        if path.suffix in {".xlsx", ".csv"} and not path.name.startswith("~$"):
            for row in read_table(path, promise)[1]:
                out.append(
                    {
                        **row,
                        "source": path.parent.name,
                        "file": path.name,
                        "day": to_date(row.get("Datum")),
                    }
                )
    return out


def test_layout_and_formats(promise: Promise, inbox: tuple[Path, list[Path]]) -> None:
    root, written = inbox
    assert written == sorted(written)
    assert set(written) == {p for p in root.rglob("*") if p.is_file()}
    assert sorted(p.name for p in root.iterdir()) == sorted(promise.source_ids)
    for source_id in promise.source_ids:
        suffixes = [p.suffix for p in (root / source_id).iterdir() if not p.name.startswith("~$")]
        assert {".xlsx", ".csv"} <= set(suffixes)
    locks = list(root.glob("*/~$*.xlsx"))
    assert len(locks) == 1 and locks[0].with_name(locks[0].name[2:]).exists()
    assert 0 < locks[0].stat().st_size < 512 and not locks[0].read_bytes().startswith(b"PK")
    csvs = {p.parent.name: p.read_bytes() for p in root.glob("*/*.csv")}
    assert csvs["kommunen"].startswith(codecs.BOM_UTF8)
    assert b";" in csvs["polisen"].splitlines()[0]
    with pytest.raises(UnicodeDecodeError):
        csvs["polisen"].decode("utf-8")  # cp1252 å/ä/ö
    date_headers = {
        h
        for p in root.glob("*/[!~]*.*")
        for h in read_table(p, promise)[0]
        if fold_compact(h) in HEADERS["Datum"] | {"kontrolldatum"}
    }
    assert len(date_headers) >= 4  # Datum spelled differently per file and sheet
    titled = openpyxl.load_workbook(root / "kommunen" / "Aktivitetslogg medborgarlofte 2019.xlsx")
    assert titled.active["A1"].value == "Aktivitetslogg medborgarlöfte 2019"


def test_deterministic(promise: Promise, tmp_path: Path) -> None:
    first = write_demo_inbox(promise, tmp_path / "a", seed=7)
    second = write_demo_inbox(promise, tmp_path / "b", seed=7)
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second
    ]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_demo_inbox(promise, tmp_path / "c", seed=8)
    assert any(a.read_bytes() != c.read_bytes() for a, c in zip(first, other))


def test_mess(promise: Promise, inbox: tuple[Path, list[Path]]) -> None:
    root, _ = inbox
    rows = all_rows(root, promise)
    data = [r for r in rows if r.get("Aktivitet")]
    assert 80 <= len(data) <= 150
    assert any(r["day"] and r["day"].year == promise.year - 1 for r in data)
    assert any(fold(r.get("Kommundel")) == "marifred" for r in data)
    assert [
        r
        for r in rows
        if not r.get("Aktivitet")
        and not r.get("Datum")
        and fold(r.get("Plats")) == "summa"
        and isinstance(r.get("Antal"), int)
    ]
    assert any(str(r["Aktivitet"]) != str(r["Aktivitet"]).strip() for r in data)
    assert all(fold(r["Aktivitet"]) in promise.activity_by_key for r in data)
    with_marks = {
        fold(n) for a in promise.activities for n in (a.label, *a.synonyms) if not n.isascii()
    }
    assert any(r["Aktivitet"].isascii() and fold(r["Aktivitet"]) in with_marks for r in data)
    sheets = openpyxl.load_workbook(root / "polisen" / "Medborgarlofte 2019 polisen.xlsx")
    values = [
        c for ws in sheets for r in ws.iter_rows(min_col=1, max_col=1, values_only=True) for c in r
    ]
    assert any(isinstance(v, int) and v > 40000 for v in values)  # Excel serial numbers
    assert any(isinstance(v, datetime) and v.hour for v in values)
    assert any(isinstance(v, datetime) and not v.hour for v in values)
    body = list(sheets.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert any(all(c is None for c in r) for r in body[:-1])  # a blank row in the middle
    texts = {str(r["Datum"]) for r in data if isinstance(r["Datum"], str)}
    for form in (
        r"\d{4}-\d\d-\d\d",
        r"\d{4}-\d\d-\d\d \d\d:\d\d",
        r"\d+/\d+/\d{4}",
        r"\d+/\d+ \d{4}",
        r"\d+ [a-z]+ \d{4}",
    ):
        assert any(re.fullmatch(form, t) for t in texts), form


def test_joint_walk_and_repeated_area(promise: Promise, inbox: tuple[Path, list[Path]]) -> None:
    rows = [r for r in all_rows(inbox[0], promise) if r.get("Aktivitet")]

    def key(r: dict[str, object]) -> tuple[object, ...]:
        return (r["day"], promise.district_by_key.get(fold(r["Kommundel"])), fold(r["Plats"]))

    walks = [
        r
        for r in rows
        if promise.activity_by_key[fold(r["Aktivitet"])].target == "trygghetsvandringar"
    ]
    by_source = {s: {key(r) for r in walks if r["source"] == s} for s in promise.source_ids}
    assert by_source["polisen"] & by_source["kommunen"]
    areas = [r for r in rows if promise.activity_by_key[fold(r["Aktivitet"])].one_per_place]
    seen: dict[str, set[date]] = {}
    for r in areas:
        seen.setdefault(fold(r["Plats"]), set()).add(r["day"])
    assert any(len(days) > 1 for days in seen.values())
    assert any(p.startswith("grannsamverkan ") for p in seen)


def test_outcomes_vary_by_tertial(promise: Promise, inbox: tuple[Path, list[Path]]) -> None:
    rows = [
        r
        for r in all_rows(inbox[0], promise)
        if r.get("Aktivitet") and r["day"] and r["day"].year == promise.year
    ]

    def target_rows(target_id: str, last_month: int = 12) -> list[dict[str, object]]:
        return [
            r
            for r in rows
            if r["day"].month <= last_month
            and promise.activity_by_key[fold(r["Aktivitet"])].target == target_id
        ]

    def districts(rs: list[dict[str, object]]) -> set[str | None]:
        return {promise.district_by_key.get(fold(r["Kommundel"])) for r in rs}

    everywhere = {d.name for d in promise.districts}
    assert districts(target_rows("trafikkontroller")) == everywhere
    assert districts(target_rows("trafikkontroller", 4)) < everywhere
    new_areas = target_rows("nya-grannsamverkansomraden")
    assert (
        len({fold(r["Plats"]) for r in new_areas})
        < promise.target_by_id["nya-grannsamverkansomraden"].goal
    )
    assert districts(new_areas) < everywhere
    assert len({r["day"] for r in target_rows("mopedinsatser")}) >= 2
    council = target_rows("trafiksakerhetsrad")
    assert {(r["day"].month - 1) // 4 for r in council} == {0, 1, 2}
    walk = promise.target_by_id["trygghetsvandringar"]
    walks = {(r["day"], fold(r["Plats"])) for r in target_rows("trygghetsvandringar")}
    assert len(walks) >= walk.goal
    assert all(any(fold(p) in place.keys for _, p in walks) for place in walk.places)


def test_other_promise_nothing_hard_coded(tmp_path: Path) -> None:
    text = bundled_promise_path().read_text(encoding="utf-8")
    for old, new in (
        ("Strängnäs", "Eksjö"),
        ("Mariefred", "Hult"),
        ("Läggesta", "Ingatorp"),
        ("2019", "2021"),
    ):
        text = text.replace(old, new)
    other = parse_promise(yaml.safe_load(text))
    written = write_demo_inbox(other, tmp_path)
    assert {p.parent.name for p in written} == set(other.source_ids)
    blob = " ".join(str(r) for r in all_rows(tmp_path, other))
    assert "Eksjö" in blob and "Hult" in blob and "2021" in blob
    assert not re.search(r"str[aä]ngn[aä]s|mariefred|l[aä]ggesta", blob, re.IGNORECASE)


def test_both_partners_write_texts_on_a_redovisning_sheet(
    promise: Promise, inbox: tuple[Path, list[Path]]
) -> None:
    root, _ = inbox
    texts = {}
    for path in sorted(root.glob("*/[!~]*.xlsx")):
        sheet = openpyxl.load_workbook(path)["Redovisning"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == ("Mål", "Tertial", "Text", "Nästa steg")
        texts[path.parent.name] = rows[1:]
    assert set(texts) == set(promise.source_ids) and all(texts.values())
    headings = {t.title for t in promise.targets}
    assert all(r[0] in headings and r[2] for rows in texts.values() for r in rows)
    written = " ".join(str(c) for rows in texts.values() for r in rows for c in r if c)
    assert "skogsbränder" in written  # why a planned walk did not happen
    assert "070-123 45 67" in written  # personal data the pipeline has to remove
    intake = read_inbox(root, promise)
    assert not (intake.rejected["sheet"] == "Redovisning").any()
    assert set(intake.narratives["source"]) == set(promise.source_ids)
    assert "070-123 45 67" not in " ".join(intake.narratives["next_step"])
    [found] = intake.findings[intake.findings["sheet"] == "Redovisning"].to_dict("records")
    assert (found["column"], found["kind"]) == ("Nästa steg", "telefonnummer")
