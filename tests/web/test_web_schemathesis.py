"""schemathesis over the web app's OpenAPI schema: every operation, with generated path,
query, header and body values, answers below 500 (bad input is a 4xx with a message)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from web_helpers import EXAMPLES

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (the test extra)")


def _app():
    import tempfile
    from pathlib import Path

    from rebal.services.store import add_household, plan_stored
    from rebal.web import create_app

    db = f"sqlite:///{Path(tempfile.mkdtemp(prefix='rebal-schemathesis-')) / 'web.db'}"
    add_household(str(EXAMPLES / "diy_small.yaml"), db)
    plan_stored("DIY investor (single)", db, save=True)
    return create_app(db)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500(case) -> None:
    from schemathesis.checks import not_a_server_error

    case.call_and_validate(checks=[not_a_server_error])
