"""A simulation file with private funds is refused in one line (the day-by-day engine has
no fund cash flows): never a simulation that silently leaves the funds out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rebal.errors import InputError
from rebal.simulation import simulation_from_dict

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "households" / "private_funds.yaml"


def test_private_funds_are_refused_naming_the_key() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["simulation"] = {"prices": {s["symbol"]: "US_MKT" for s in data["securities"]}}
    with pytest.raises(InputError) as info:
        simulation_from_dict(data, source="sim.yaml")
    text = str(info.value)
    assert text.startswith("sim.yaml, field 'private_funds': ") and "\n" not in text
