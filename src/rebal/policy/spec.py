"""Structured policy specs (study files): ``policy_from_spec({"kind": "vol_band", ...})``.

The spec is validated by the kind's pydantic model, registered once in
:mod:`rebal.policy.registry`; every error becomes one :class:`ConfigError` line
naming the field path, e.g. ``policies["Dynamic"].base_band must be > 0, got -0.01``.
A string is the CLI short form (:func:`rebal.policy.parse_policy`).
``docs/policies.md`` lists every kind and field with units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rebal.errors import ConfigError
from rebal.policy.parse import parse_policy
from rebal.policy.policy import Policy
from rebal.policy.registry import KINDS, build_from_mapping

__all__ = ["KINDS", "policy_from_spec"]


def policy_from_spec(
    spec: Mapping[str, Any] | str, *, name: str, where: str | None = None
) -> Policy:
    """A :class:`Policy` from a study file's policy entry.

    Parameters
    ----------
    spec
        A mapping with ``kind`` (one of :data:`KINDS`) and the kind's fields, or
        a short-form string (:func:`rebal.policy.parse_policy`).
    name
        The policy's display name.
    where
        Path prefix for error messages (default ``policies["<name>"]``).

    Raises
    ------
    ConfigError
        One line naming the field path, e.g.
        ``policies["Dynamic"].base_band must be > 0, got -0.01``.
    """
    prefix = where if where is not None else f'policies["{name}"]'
    if isinstance(spec, str):
        try:
            return parse_policy(spec, name=name)
        except ConfigError as exc:
            raise ConfigError(f"{prefix}: {exc}") from None
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"{prefix} must be a short-form string or a mapping with a kind, got {spec!r}"
        )
    return build_from_mapping(spec, name=name, prefix=prefix)
