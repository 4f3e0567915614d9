"""Exact JSON round trips of the services' requests and results.

``to_json(result)`` writes any result object of rebal (frozen dataclasses of arrays,
enums, dates, mappings, pydantic specs …) as one JSON document; ``from_json(text)``
gives back an equal object: every array bit for bit (dtype, shape, bytes),
every enum member, tuple and mapping as it was. A worker process, a store or a web
client can thus hold a :class:`~rebal.services.backtest.BacktestRun`,
:class:`~rebal.services.compare.CompareRun`, :class:`~rebal.services.sweep.SweepRun`,
:class:`~rebal.services.plan.PlanRun`, a :class:`rebal.planner.CheckResult`, a tax
breakdown or an audit and hand it back to the same printing and report code.

This is a storage format, not the ``--json`` output: ``to_dict()`` of each result is
the readable summary the CLI prints; this is the complete object.

Format
------
Plain JSON values stand for themselves, except that a few tagged objects carry
what JSON lacks: ``{"$array": dtype, "shape": [...], "b64": bytes}``,
``{"$float": "nan"}``, ``{"$tuple": [...]}``, ``{"$map": [[k, v], ...]}``,
``{"$date": "2020-01-31"}``, ``{"$enum": "module:Class", "v": value}``,
``{"$dc": "module:Class", "f": {field: value}}`` (a dataclass; derived caches are
left out and rebuilt on use), ``{"$model": "module:Class", "v": {...}}`` (pydantic).
Classes are looked up only inside the ``rebal`` package.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import importlib
import json
import math
from collections.abc import Mapping
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

from rebal.errors import InputError

__all__ = ["from_data", "from_json", "to_data", "to_json"]

_DERIVED = frozenset({"_cache"})
"""Dataclass fields that hold values computed on use: not stored, rebuilt empty."""


def _class_path(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(path: str) -> Any:
    module, _, qualname = path.partition(":")
    if module != "rebal" and not module.startswith("rebal."):
        raise InputError(f"codec: class {path!r} is outside the rebal package")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def to_data(obj: Any) -> Any:
    """``obj`` as JSON-ready values (see the module docstring for the tags)."""
    import numpy as np

    if isinstance(obj, enum.Enum):  # before str and int: str- and int-valued enums
        return {"$enum": _class_path(type(obj)), "v": to_data(obj.value)}
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int) and not isinstance(obj, np.generic):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if isinstance(obj, np.ndarray | np.generic):
        arr = np.asarray(obj)
        if arr.dtype.hasobject:
            return {"$objects": [to_data(v) for v in arr.ravel().tolist()],
                    "shape": list(arr.shape)}
        out: dict[str, Any] = {
            "$array": arr.dtype.str,
            "shape": list(arr.shape),
            "b64": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii"),
        }
        if isinstance(obj, np.generic):
            out["scalar"] = True
        elif not arr.flags.writeable:
            out["readonly"] = True
        return out
    if isinstance(obj, dt.datetime):
        return {"$datetime": obj.isoformat()}
    if isinstance(obj, dt.date):
        return {"$date": obj.isoformat()}
    if isinstance(obj, PurePath):
        return {"$path": str(obj)}
    if isinstance(obj, tuple):
        return {"$tuple": [to_data(v) for v in obj]}
    if isinstance(obj, list):
        return [to_data(v) for v in obj]
    if isinstance(obj, frozenset | set):
        return {"$set": [to_data(v) for v in obj], "frozen": isinstance(obj, frozenset)}
    if isinstance(obj, Mapping):
        return {"$map": [[to_data(k), to_data(v)] for k, v in obj.items()],
                "proxy": isinstance(obj, MappingProxyType)}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: to_data(getattr(obj, f.name))
                  for f in dataclasses.fields(obj) if f.name not in _DERIVED}
        return {"$dc": _class_path(type(obj)), "f": fields}
    dump = getattr(obj, "model_dump", None)
    if callable(dump):  # a pydantic model (study specs)
        return {"$model": _class_path(type(obj)), "v": to_data(dump(mode="python"))}
    raise TypeError(f"codec: cannot store a {type(obj).__module__}.{type(obj).__qualname__}")


def from_data(data: Any) -> Any:
    """The object :func:`to_data` gave ``data`` for."""
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$array" in data:
        import numpy as np

        raw = base64.b64decode(data["b64"])
        arr = np.frombuffer(raw, dtype=np.dtype(data["$array"])).reshape(data["shape"]).copy()
        if data.get("scalar"):
            return arr[()]
        if data.get("readonly"):
            arr.flags.writeable = False
        return arr
    if "$objects" in data:
        import numpy as np

        items = [from_data(v) for v in data["$objects"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(data["shape"])
    if "$float" in data:
        return float(data["$float"])
    if "$tuple" in data:
        return tuple(from_data(v) for v in data["$tuple"])
    if "$set" in data:
        items = [from_data(v) for v in data["$set"]]
        return frozenset(items) if data.get("frozen") else set(items)
    if "$map" in data:
        mapping = {from_data(k): from_data(v) for k, v in data["$map"]}
        return MappingProxyType(mapping) if data.get("proxy") else mapping
    if "$date" in data:
        return dt.date.fromisoformat(data["$date"])
    if "$datetime" in data:
        return dt.datetime.fromisoformat(data["$datetime"])
    if "$path" in data:
        return Path(data["$path"])
    if "$enum" in data:
        return _class(data["$enum"])(from_data(data["v"]))
    if "$model" in data:
        return _class(data["$model"]).model_validate(from_data(data["v"]))
    if "$dc" in data:
        cls = _class(data["$dc"])
        obj = object.__new__(cls)
        stored = data["f"]
        for f in dataclasses.fields(cls):
            if f.name in stored:
                value = from_data(stored[f.name])
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            elif f.default is not dataclasses.MISSING:
                value = f.default
            else:
                raise InputError(f"codec: {data['$dc']} lacks field {f.name!r}")
            # frozen dataclasses: set as their own constructor does, without re-validating
            object.__setattr__(obj, f.name, value)
        return obj
    raise InputError(f"codec: unknown object {sorted(data)[:3]}")


def to_json(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as one JSON document (see the module docstring)."""
    return json.dumps(to_data(obj), indent=indent, allow_nan=False)


def from_json(text: str) -> Any:
    """The object stored by :func:`to_json`."""
    return from_data(json.loads(text))
