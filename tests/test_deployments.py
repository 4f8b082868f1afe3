"""The four deployments of a promise: named apart, scheduled from the promise (only its own
periods, each run carrying its period), a Swedish run form, and one state folder for all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from lofte_pipeline.deployment_plan import ScheduleGroup, full_name, schedule_groups
from lofte_pipeline.forms import TITLES, swedish_form, untitled
from lofte_pipeline.schedule import ScheduledRun, promise_runs

REPO = Path(__file__).resolve().parents[1]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
BEFORE_2019 = datetime(2019, 1, 1, tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def built(promise_file, tmp_path_factory):
    from flows.deployments import build_deployments

    base = tmp_path_factory.mktemp("deploy")
    (base / "INBOX").mkdir()
    deployments = build_deployments(
        promise_file, base / "INBOX", base / "rapporter", after=BEFORE_2019
    )
    return {d.flow_name: d for d in deployments}, base


def schema(deployment) -> dict:
    return deployment._parameter_openapi_schema.model_dump(exclude_unset=True)


def test_four_deployments_named_apart_after_the_promise(built):
    deployments, _ = built
    assert {f"{flow}/{d.name}" for flow, d in deployments.items()} == {
        "tertialrapport/strangnas-2019-rapport",
        "inkorg/strangnas-2019-inkorg",
        "saknade-underlag/strangnas-2019-saknade-underlag",
        "publicering/strangnas-2019-publicering",
    }
    assert full_name("strangnas-2019", "inkorg") == "inkorg/strangnas-2019-inkorg"


def test_schedules_carry_their_period_and_only_the_promises_periods(built):
    deployments, _ = built
    slugs = {flow: sorted(s.slug for s in d.schedules) for flow, d in deployments.items()}
    assert slugs == {
        "tertialrapport": ["utkast-2019-t1", "utkast-2019-t2", "utkast-2019-t3"],
        "inkorg": [],  # the watcher starts it; no interval
        "saknade-underlag": ["kontroll-2019-t1", "kontroll-2019-t2", "kontroll-2019-t3"],
        "publicering": ["slutlig-2019-t1", "slutlig-2019-t2", "slutlig-2019-t3"],
    }
    for flow, deployment in deployments.items():
        for schedule in deployment.schedules:
            period = schedule.slug.split("-", 1)[1].upper()
            expected = {"period": period}
            if flow == "tertialrapport":
                expected["final"] = False
            assert schedule.parameters == expected
            assert schedule.schedule.timezone == "Europe/Stockholm"
            moments = list(rrulestr(schedule.schedule.rrule, forceset=True))
            assert moments and all(m.year in (2019, 2020) for m in moments)


def test_schedule_moments_are_the_promise_runs(built, promise):
    deployments, _ = built
    runs = promise_runs(promise, after=BEFORE_2019)
    for group in schedule_groups(runs):
        schedule = next(s for s in deployments[group.flow].schedules if s.slug == group.slug)
        moments = [
            m.replace(tzinfo=STOCKHOLM) for m in rrulestr(schedule.schedule.rrule, forceset=True)
        ]
        assert moments == list(group.moments)


def test_a_promise_whose_year_is_over_gets_no_schedules_but_its_deployments(promise_file, tmp_path):
    from flows.deployments import build_deployments

    (tmp_path / "INBOX").mkdir()
    after = datetime(2021, 6, 1, tzinfo=STOCKHOLM)
    deployments = build_deployments(promise_file, tmp_path / "INBOX", tmp_path / "ut", after=after)
    assert len(deployments) == 4
    assert all(not d.schedules for d in deployments)


def test_schedule_groups_one_per_kind_and_period():
    at = [datetime(2027, 4, day, 6, tzinfo=STOCKHOLM) for day in (12, 19, 26)]
    runs = [ScheduledRun("utkast", "2027-T1", moment) for moment in reversed(at)]
    runs.append(ScheduledRun("slutlig", "2027-T1", datetime(2027, 5, 3, 6, tzinfo=STOCKHOLM)))
    groups = schedule_groups(runs)
    assert groups == [
        ScheduleGroup("utkast", "2027-T1", tuple(at), {"period": "2027-T1", "final": False}),
        ScheduleGroup(
            "slutlig",
            "2027-T1",
            (datetime(2027, 5, 3, 6, tzinfo=STOCKHOLM),),
            {"period": "2027-T1"},
        ),
    ]
    assert [g.slug for g in groups] == ["utkast-2027-t1", "slutlig-2027-t1"]
    assert [g.flow for g in groups] == ["tertialrapport", "publicering"]


def test_period_is_a_choice_among_the_promises_tertials(built):
    deployments, _ = built
    for flow in ("tertialrapport", "saknade-underlag", "publicering"):
        period = schema(deployments[flow])["properties"]["period"]
        choices = [option for option in period["anyOf"] if "enum" in option]
        assert [(c["type"], c["enum"]) for c in choices] == [
            ("string", ["2019-T1", "2019-T2", "2019-T3"])
        ]
        assert {"type": "null", "title": "Tomt: tertialen körningen hör till"} in period["anyOf"]
        assert period["title"] == "Period"
    assert "period" not in schema(deployments["inkorg"])["properties"]


def test_every_parameter_has_a_swedish_title(built):
    deployments, _ = built
    for deployment in deployments.values():
        properties = schema(deployment)["properties"]
        assert untitled(schema(deployment)) == [], deployment.flow_name
        assert all(properties[name]["title"] == TITLES[name] for name in properties)
    assert schema(deployments["publicering"])["properties"]["approval_timeout_hours"]["title"] == (
        "Väntetid för granskning (timmar)"
    )


def test_every_deployment_carries_the_same_state(built):
    deployments, base = built
    from lofte_pipeline.archive import default_state_dir

    states = {d.parameters["state"] for d in deployments.values()}
    assert states == {str(default_state_dir(base / "INBOX"))}
    publish = deployments["publicering"].parameters["publish_dir"]
    assert publish == str((base / "publicering").resolve())


def test_for_a_work_pool_the_flows_are_imported_by_module(promise_file, tmp_path, monkeypatch):
    from prefect.flows import load_flow_from_entrypoint

    from flows.deployments import build_deployments

    monkeypatch.setenv("LOFTE_OUT_URL", "http://rapporter.kommun.local/")
    (tmp_path / "INBOX").mkdir()
    deployments = build_deployments(
        promise_file,
        tmp_path / "INBOX",
        tmp_path / "ut",
        publish_dir=tmp_path / "webb",
        work_pool="lofte",
    )
    for deployment in deployments:
        assert deployment.work_pool_name == "lofte"
        assert ":" not in deployment.entrypoint  # by module, as without a pool
        assert load_flow_from_entrypoint(deployment.entrypoint).name == deployment.flow_name
        assert deployment.job_variables == {
            "env": {"LOFTE_OUT_URL": "http://rapporter.kommun.local/"}
        }


def test_the_round_over_every_promise_is_one_deployment_on_the_pool():
    from prefect.flows import load_flow_from_entrypoint

    from flows.deployments import fan_out_deployment

    deployment = fan_out_deployment("lofte")
    assert (deployment.flow_name, deployment.name) == ("alla-loften", "omgang")
    assert deployment.work_pool_name == "lofte" and ":" not in deployment.entrypoint
    assert load_flow_from_entrypoint(deployment.entrypoint).name == "alla-loften"
    schema = deployment._parameter_openapi_schema.model_dump()
    assert set(schema["required"]) == {"promise_dir", "inbox_root", "out", "period"}
    assert "arbetarnas --limit" in schema["properties"]["concurrency"]["description"]


def test_swedish_form_leaves_the_schema_it_was_given():
    given = {"properties": {"period": {"type": "string", "title": "period"}}}
    form = swedish_form(given, ["2019-T1"])
    assert given == {"properties": {"period": {"type": "string", "title": "period"}}}
    assert form["properties"]["period"]["title"] == "Period"


def test_the_static_prefect_yaml_is_gone_and_units_run_the_venv():
    assert not (REPO / "deployments" / "prefect.yaml").exists()
    units = {p.name: p.read_text("utf-8") for p in (REPO / "deployments").glob("*.service")}
    assert {"lofte-worker.service", "lofte-watch.service", "lofte-serve.service"} <= set(units)
    for text in units.values():
        assert "Restart=always" in text and "EnvironmentFile=" in text
    assert ".venv/bin/prefect worker start --pool lofte" in units["lofte-worker.service"]
