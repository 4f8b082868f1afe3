"""deployments/prefect.yaml: every entrypoint is a flow, and its schedules are the library's."""

from __future__ import annotations

from pathlib import Path

import yaml

from lofte_pipeline.schedule import DRAFT_SCHEDULES, FINAL_SCHEDULES, MISSING_DATA_SCHEDULES

REPO = Path(__file__).resolve().parents[1]
DEPLOYMENTS = yaml.safe_load((REPO / "deployments" / "prefect.yaml").read_text(encoding="utf-8"))


def test_every_entrypoint_resolves_to_a_flow():
    from prefect.flows import load_flow_from_entrypoint

    names = set()
    for deployment in DEPLOYMENTS["deployments"]:
        flow = load_flow_from_entrypoint(str(REPO / deployment["entrypoint"]))
        names.add(flow.name)
        parameters = set(flow.parameters.properties)
        assert set(deployment["parameters"]) <= parameters
    assert names == {"tertialrapport", "inkorg", "saknade-underlag", "publicering"}


def test_schedules_in_the_yaml_are_the_library_schedules():
    by_entrypoint = {d["entrypoint"]: d for d in DEPLOYMENTS["deployments"]}

    def as_yaml(specs):
        return [
            {
                "cron": s.cron,
                "timezone": s.timezone,
                "day_or": s.day_or,
                "slug": s.slug,
                **({"parameters": s.parameters} if s.parameters else {}),
            }
            for s in specs
        ]

    assert by_entrypoint["flows/tertial_report.py:tertial_report"]["schedules"] == as_yaml(
        DRAFT_SCHEDULES
    )
    assert by_entrypoint["flows/publication.py:final_publication"]["schedules"] == as_yaml(
        FINAL_SCHEDULES
    )
    assert by_entrypoint["flows/missing_data.py:missing_data_check"]["schedules"] == as_yaml(
        MISSING_DATA_SCHEDULES
    )
