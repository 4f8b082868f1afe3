"""Messages to staff live in one Swedish catalogue (templates/texts/meddelanden.sv.yaml)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

from lofte_pipeline.cli import main
from lofte_pipeline.messages import catalogue, message

REPO = Path(__file__).resolve().parents[1]
# Chosen at run time (by pydantic's error type, by column name), not named in the code.
DYNAMIC = ("loftesfil.falt.", "mall.hjalp.")


def keys_in_code() -> set[str]:
    used = set()
    for path in [*REPO.glob("src/lofte_pipeline/*.py"), *REPO.glob("flows/*.py")]:
        used |= set(
            re.findall(r"""message\(\s*["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8"))
        )
    return used


def test_every_message_the_code_uses_is_in_the_catalogue_and_every_entry_is_used():
    used, known = keys_in_code(), set(catalogue())
    assert used - known == set()
    assert {k for k in known - used if not k.startswith(DYNAMIC)} == set()


def test_every_entry_is_a_template_that_fills_in():
    for key, text in catalogue().items():
        names = {field for _, field, _, _ in string.Formatter().parse(text) if field}
        filled = message(key, **dict.fromkeys(names, "X"))
        assert "{" not in filled and filled.strip(), key


def test_a_promise_file_with_values_of_the_wrong_kind_is_explained_in_swedish(tmp_path, capsys):
    data = yaml.safe_load((REPO / "promises" / "strangnas-2019.yaml").read_text(encoding="utf-8"))
    data["ar"] = "tjugo"
    data["mal"][1]["minst"] = "åtta"
    data["mal"][2]["alla_kommundelar"] = "kanske"
    data["id"] = "Strängnäs 2019"
    path = tmp_path / "fel.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["validate-promise", str(path)]) == 1
    out = capsys.readouterr().out
    assert "fel.yaml: 4 fel" in out
    assert "  - ar: ska vara ett heltal" in out
    assert "  - mal[1].minst: ska vara ett heltal" in out
    assert "  - mal[2].alla_kommundelar: ska vara true eller false" in out
    assert "  - id: får bara innehålla små bokstäver a–z, siffror och bindestreck" in out
    assert "Input should" not in out  # none of the validation library's English


def test_command_line_errors_come_from_the_catalogue(tmp_path, capsys):
    assert (
        main(
            [
                "check",
                str(tmp_path / "saknas.xlsx"),
                "--promise",
                str(REPO / "promises" / "strangnas-2019.yaml"),
                "--source",
                "polisen",
            ]
        )
        == 2
    )
    assert capsys.readouterr().err.strip() == message(
        "kommando.fel", message=message("kommando.fil_saknas", path=tmp_path / "saknas.xlsx")
    )
