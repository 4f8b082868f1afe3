"""A small, fully known inbox in every format, with the mess the report must survive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbooks import HEADER, row, write_csv, write_ods, write_xls, write_xlsm, write_xlsx

WALK, COUNCIL, MOPEDS = "Trygghetsvandring", "Trafiksäkerhetsråd", "Riktad insats trimmade mopeder"


def build_inbox(root: Path) -> Path:
    """polisen: xlsx (two sheets, title rows), csv; kommunen: xls, ods, xlsm; plus bad files."""
    inbox = root / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg-2019.xlsx",
        {
            "Vår": [
                ["Polisen LPO Eskilstuna/Strängnäs"],
                ["Aktivitetslogg 2019"],
                [],
                ["Dag", "Insats", "Ort", "Adress", "Antal kontrollerade", "Notering"],
                row("2019-02-12", "Trafikkontroll nykterhet", "Strängnäs", "", 140),
                row("2019-03-05", WALK, "Strängnäs", "Resecentrum Strängnäs", 9, "Gemensam"),
                [43540, MOPEDS, "Mariefred", "Hamnen", None, None],  # serial 2019-03-16
                row("2019-01-30", COUNCIL, "Strängnäs"),
                [None, None, None, None, 149, "Summa"],
            ],
            "Höst": [
                HEADER,
                ["14 maj 2019", "Trafikkontroll hastighet", "Härad", "", "55", ""],
                ["1/9/2019", MOPEDS, "Åker", "", "", ""],
                ["2018-12-30", WALK, "Mariefred", "", "", ""],  # outside the year
                row("2019-09-20", "Beteendekontroll trafik", "Marifred"),
            ],  # typo'd district
        },
    )
    (inbox / "polisen" / "~$logg-2019.xlsx").write_bytes(b"\x08anv\x00\x00" + b" " * 40)
    write_csv(
        inbox / "polisen" / "export.csv",
        [
            ["Kontrolldatum", "Aktivitet", "Kommundel", "Plats"],
            ["2019-06-10 18:00", "Trafikkontroll hastighet", "Stallarholmen", ""],
            ["10/10 2019", "Trafikkontroll nykterhet", "Akers styckebruk", ""],
            ["2019-10-11", "Vandring", "Härad", ""],  # unknown activity
        ],
        delimiter=";",
        encoding="cp1252",
    )
    write_xls(
        inbox / "kommunen" / "trygghet.xls",
        {
            "Blad1": [
                ["Trygghetsvandringar och möten"],
                HEADER,
                row("2019-03-05", WALK, "Strängnäs", "resecentrum strängnäs", 12),  # the joint walk
                row("2019-05-20", WALK, "Mariefred", "Läggesta station", 7),
                row("2019-06-01", COUNCIL, "Strängnäs"),
                row("2019-10-02", COUNCIL, "Strängnäs"),
                row("2019-10-03", WALK, "Härad", "Skolan"),
            ]
        },
    )
    write_ods(
        inbox / "kommunen" / "samverkan.ods",
        {
            "Logg": [
                ["Datum för aktivitet", "Typ av aktivitet", "Kommundel/ort", "Områdesnamn"],
                [
                    dt.date(2019, 4, 2),
                    "Nytt båtsamverkansområde",
                    "Mariefred",
                    "Båtklubben Mariefred",
                ],
                [dt.date(2019, 5, 2), "Nytt grannsamverkansområde", "Härad", "Ekbacken"],
                [
                    dt.date(2019, 11, 2),
                    "Nytt båtsamverkansomrade",
                    "Stallarholmen",
                    "Stallarholmens brygga",
                ],
                [dt.date(2019, 11, 3), "Information om båtsamverkan", "Stallarholmen", ""],
                ["", "Nytt grannsamverkansområde", "Härad", "Ekbacken"],  # missing date
            ]
        },
    )
    write_xlsm(
        inbox / "kommunen" / "grannar.xlsm",
        {
            "Logg": [
                HEADER,
                row("2019-08-15", "Nytt grannsamverkansområde", "Härad", "ekbacken"),  # same area
                row("2019-08-16", "Nytt grannsamverkansområde", "Mariefred", "Gripsholm"),
            ]
        },
    )
    (inbox / "kommunen" / "trasig.xlsx").write_text("inte ett kalkylark", encoding="utf-8")
    (inbox / "kommunen" / ".dold.xlsx").write_text("dold", encoding="utf-8")
    (inbox / "felaktig").mkdir(parents=True)
    (inbox / "felaktig" / "logg.csv").write_text("Datum;Aktivitet;Kommundel\n", encoding="utf-8")
    return inbox
