"""The promise file is data: loaded into validated models, and a bad file names its field."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from lofte_pipeline.errors import PromiseFileError
from lofte_pipeline.promise import load_promise, parse_promise


@pytest.fixture
def raw(promise_file: Path) -> dict:
    return yaml.safe_load(promise_file.read_text(encoding="utf-8"))


def test_strangnas_promise_describes_the_seed(promise):
    assert promise.id == "strangnas-2019"
    assert promise.year == 2019
    assert [d.name for d in promise.districts] == [
        "Strängnäs",
        "Mariefred",
        "Åkers styckebruk",
        "Stallarholmen",
        "Härad",
    ]
    assert promise.source_ids == ("polisen", "kommunen")
    assert len(promise.statements) == 2
    assert [t.id for t in promise.targets] == [
        "info-grannsamverkan",
        "nya-grannsamverkansomraden",
        "info-batsamverkan",
        "nya-batsamverkansomraden",
        "lokaler-utbildning",
        "trygghetsvandringar",
        "trafikkontroller",
        "beteendekontroller",
        "mopedinsatser",
        "trafiksakerhetsrad",
    ]


def test_targets_keep_the_promises_words_apart_from_the_follow_ups_rule(promise):
    targets = promise.target_by_id
    areas = targets["nya-grannsamverkansomraden"]
    # "minst åtta … i Strängnäs kommun": the number is promised, every district is not.
    assert (areas.goal, areas.every_district, areas.kind) == (8, False, "commitment")
    boats = targets["nya-batsamverkansomraden"]
    # "Målsättningen är att etablera två": an aim; its places are the löfte's own words.
    assert (boats.kind, boats.goal, boats.follow_up.places) == ("aim", 2, ())
    assert [p.name for p in boats.places] == ["Mariefred", "Stallarholmen"]
    assert targets["trygghetsvandringar"].goal == 4
    assert [p.name for p in targets["trygghetsvandringar"].places] == [
        "Resecentrum Strängnäs",
        "Läggesta station",
    ]
    controls = targets["trafikkontroller"]
    assert controls.every_district and controls.goal is None and controls.whole_year
    assert controls.amount_unit == "kontrollerade förare"
    behaviour = targets["beteendekontroller"]
    # The promise names no number; the follow-up judges it by at least one.
    assert (behaviour.goal, behaviour.follow_up.minimum, behaviour.minimum) == (None, 1, 1)
    assert targets["mopedinsatser"].goal == 2
    council = targets["trafiksakerhetsrad"]
    # "Kontinuerligt": ongoing work, read by the follow-up as once a tertial.
    assert (council.kind, council.per_tertial_minimum, council.tertial_minimum) == (
        "ongoing",
        None,
        1,
    )
    assert all(t.goal is None or str(t.goal) for t in promise.targets)
    reported = {t.id for t in promise.targets if t.reported_only}
    assert reported == {"info-grannsamverkan", "info-batsamverkan", "lokaler-utbildning"}


def test_every_lofte_has_a_short_heading_before_its_text(promise):
    assert [s.title for s in promise.statements] == [
        "Tryggare i trafiken",
        "Grannsamverkan och båtsamverkan",
    ]


def test_kind_and_measure_are_swedish_words_however_spelt(promise_file):
    import yaml

    from lofte_pipeline.errors import PromiseFileError
    from lofte_pipeline.promise import parse_promise

    data = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    data["mal"][0]["slag"] = "Malsattning"
    data["mal"][1]["matt"] = "områden"
    parsed = parse_promise(data)
    assert (parsed.targets[0].kind, parsed.measure(parsed.targets[1])) == ("aim", "areas")
    data["mal"][0]["slag"] = "löfte"
    with pytest.raises(PromiseFileError, match="slag: 'löfte' är inget av orden åtagande"):
        parse_promise(data)
    data["mal"][0]["slag"] = "åtagande"
    data["mal"][1]["matt"] = "antal"
    with pytest.raises(PromiseFileError, match="behöver en enhet"):
        parse_promise(data)


def test_both_traffic_control_kinds_count_toward_one_target(promise):
    labels = [a.label for a in promise.activities_for("trafikkontroller")]
    assert labels == ["Trafikkontroll nykterhet", "Trafikkontroll hastighet"]


def test_activity_lookup_ignores_case_spaces_and_missing_diacritics(promise):
    assert promise.activity_by_key["nytt batsamverkansomrade"].label == "Nytt båtsamverkansområde"
    assert promise.district_by_key["akers styckebruk"] == "Åkers styckebruk"


@pytest.mark.parametrize(
    ("mutate", "field_in_message"),
    [
        # a required field removed
        (lambda d: d.pop("kommun"), "kommun: fältet saknas"),
        # a misspelt key is not silently ignored
        (lambda d: d.update(kommunn="x"), "kommunn: okänt fält"),
        # an activity pointing at a target that does not exist
        (lambda d: d["aktiviteter"][0].update(mal="finns-inte"), "aktiviteter[0].mal"),
        # a target pointing at an unknown löfte
        (lambda d: d["mal"][1].update(lofte="okant"), "mal[1].lofte"),
        # a goal of zero is no goal
        (lambda d: d["mal"][1].update(minst=0), "mal[1].minst"),
        # two targets with one id
        (lambda d: d["mal"][2].update(id=d["mal"][1]["id"]), "mal[2].id"),
        # an id that cannot be a folder name
        (lambda d: d.update(id="Strängnäs 2019"), "id:"),
        # a column synonym for a column that does not exist
        (lambda d: d["kallor"][0].update(kolumnsynonymer={"Datumet": ["x"]}), "kolumnsynonymer"),
        # one spelling claimed by two districts
        (lambda d: d["kommundelar"][1].update(synonymer=["Strängnäs"]), "kommundelar[1]"),
        # a target no activity counts toward
        (lambda d: d["aktiviteter"].pop(0), "mal[0] ('info-grannsamverkan')"),
    ],
)
def test_a_bad_promise_file_fails_at_once_naming_the_field(raw, mutate, field_in_message):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(PromiseFileError) as error:
        parse_promise(data, "strangnas-2019.yaml")
    assert field_in_message in str(error.value)
    assert "strangnas-2019.yaml" in str(error.value)


def test_missing_or_non_yaml_promise_file_is_a_clear_error(tmp_path):
    with pytest.raises(PromiseFileError, match="finns inte"):
        load_promise(tmp_path / "saknas.yaml")
    broken = tmp_path / "trasig.yaml"
    broken.write_text("id: [unterminated\n", encoding="utf-8")
    with pytest.raises(PromiseFileError, match="inte giltig YAML"):
        load_promise(broken)
    listed = tmp_path / "lista.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(PromiseFileError, match="YAML-mappning"):
        load_promise(listed)


def test_another_municipality_is_only_a_new_file(raw, tmp_path):
    data = copy.deepcopy(raw)
    data.update(id="exempelby-2020", kommun="Exempelby kommun", ar=2020)
    data["kommundelar"] = [{"namn": "Norr"}, {"namn": "Söder"}]
    path = tmp_path / "exempelby-2020.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    other = load_promise(path)
    assert (other.id, other.year, [d.name for d in other.districts]) == (
        "exempelby-2020",
        2020,
        ["Norr", "Söder"],
    )


def test_a_date_that_is_not_in_the_calendar_names_its_field(tmp_path, promise_file):
    path = tmp_path / "lofte.yaml"
    text = promise_file.read_text(encoding="utf-8")
    path.write_text(text.replace("undertecknat: 2019-02-08", "undertecknat: 2019-02-30"), "utf-8")
    with pytest.raises(PromiseFileError) as failed:
        load_promise(path)
    assert str(failed.value) == (
        "lofte.yaml: 1 fel\n"
        "  - undertecknat: ska vara ett datum som finns i kalendern, ÅÅÅÅ-MM-DD "
        "('2019-02-30' är det inte)"
    )


def test_a_value_the_yaml_reader_cannot_take_is_a_promise_file_error(tmp_path, promise_file):
    path = tmp_path / "lofte.yaml"
    text = promise_file.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^ar: 2019$", "ar: " + "9" * 5000, text, flags=re.M), "utf-8")
    with pytest.raises(PromiseFileError, match=r"lofte\.yaml: ett värde i filen kan inte tolkas"):
        load_promise(path)


def test_a_promise_file_over_the_size_cap_is_refused_before_it_is_parsed(
    tmp_path, promise_file, monkeypatch
):
    from lofte_pipeline.messages import catalogue
    from lofte_pipeline.promise import MAX_PROMISE_BYTES

    path = tmp_path / "stor.yaml"
    text = promise_file.read_text(encoding="utf-8")
    path.write_text(text + "#" * (MAX_PROMISE_BYTES - len(text.encode("utf-8"))), "utf-8")
    assert load_promise(path).id == "strangnas-2019"  # at the cap: read
    with path.open("a", encoding="utf-8") as grown:
        grown.write("#")
    catalogue()  # the messages are read before the YAML reader is taken away

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(yaml, "load", never)
    with pytest.raises(PromiseFileError, match=r"stor\.yaml: är större än 1024 kB och läses inte"):
        load_promise(path)
