"""Reading the YAML (and JSON) files users write, safely.

Every study, household and tax-settings file goes through :func:`parse_yaml`. Beyond
``yaml.safe_load`` it refuses, each with one :class:`~rebal.errors.InputError` naming
the file and line:

- aliases that add more than :data:`MAX_VALUES` values to the document (the "billion
  laughs" file: a few lines whose aliases stand for billions of values), refused before
  anything walks the expanded value, so in milliseconds and a few megabytes; values
  written out do not count, however many;
- nesting deeper than :data:`MAX_DEPTH` (``[[[[…`` thousands deep would otherwise end in
  a ``RecursionError``);
- a key given twice in one mapping (the last would silently win), naming both lines.

Error messages never echo more than :data:`rebal.errors.SHOWN_CHARS` characters of a
value (:func:`rebal.errors.shown`).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from rebal.errors import InputError, shown

__all__ = ["MAX_DEPTH", "MAX_VALUES", "parse_json", "parse_yaml", "read_yaml"]

MAX_DEPTH = 64
"""Deepest nesting of lists/mappings accepted (the shipped examples use 4)."""

MAX_VALUES = 100_000
"""Most values (scalars, lists, mappings) a document's aliases may add once expanded;
values written out do not count (the shipped examples' aliases add none)."""


@functools.cache
def _loader_class() -> type:
    import yaml

    class _SafeLoader(yaml.SafeLoader):
        """``yaml.SafeLoader`` that bounds depth and alias expansion and refuses
        duplicate keys (see the module docstring)."""

        def __init__(self, stream: str, name: str) -> None:
            super().__init__(stream)
            self._file = name
            self._depth = 0

        def _fail(self, message: str, node_or_mark: Any) -> InputError:
            mark = getattr(node_or_mark, "start_mark", node_or_mark)
            line = mark.line + 1 if mark is not None else None
            return InputError(message, file=self._file, row=line)

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                return super().compose_node(parent, index)
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise self._fail(f"nested more than {MAX_DEPTH} levels deep; refused",
                                 self.peek_event())
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def compose_mapping_node(self, anchor: Any) -> Any:
            node = super().compose_mapping_node(anchor)
            seen: dict[Any, int] = {}
            for key, _value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                    continue
                ident = (key.tag, key.value)
                line = key.start_mark.line + 1
                if ident in seen:
                    raise InputError(
                        f"key {shown(key.value)} appears twice in one mapping (lines "
                        f"{seen[ident]} and {line}); keep one",
                        file=self._file, row=line, field=shown(key.value, quote=False),
                    )
                seen[ident] = line
            return node

        def construct_yaml_timestamp(self, node: Any) -> Any:
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as exc:
                raise InputError(f"{shown(node.value)} is not a date ({exc})", file=self._file,
                                 row=node.start_mark.line + 1) from None

    _SafeLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                _SafeLoader.construct_yaml_timestamp)
    return _SafeLoader


def _expanded_size(root: Any, name: str) -> None:
    """Refuse a node graph whose aliases add more than :data:`MAX_VALUES` values.

    Each node is measured once (its value expanded); every further reference to it — an
    alias — adds that size again. Values written out count once, so a large file without
    aliases (a household with 50,000 lots) is read, and a "billion laughs" is refused at
    its first few aliases, before anything walks the expanded value."""
    import yaml

    sizes: dict[int, int] = {}
    added = 0  # values the aliases stand for, beyond the nodes themselves

    def size(node: Any, where: Any) -> int:
        """Values ``node`` stands for; ``where`` marks where it is referred to (an alias
        is the anchored node itself: its own mark is the anchor's line)."""
        nonlocal added
        known = sizes.get(id(node))
        if known is not None:  # a node met again: an alias
            added += known
            if added > MAX_VALUES:
                raise InputError(
                    f"its aliases (*name) expand it by more than {MAX_VALUES:,} values; "
                    "refused (write the values out, or use fewer nested aliases)",
                    file=name, row=where.line + 1 if where is not None else None,
                )
            return known
        sizes[id(node)] = 1  # a cycle (recursive alias) counts once here
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, node.start_mark) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, k.start_mark) + size(v, k.start_mark) for k, v in node.value)
        sizes[id(node)] = total
        return total

    # iterative post-order would avoid recursion; depth is already bounded by MAX_DEPTH
    size(root, root.start_mark)


def parse_yaml(text: str, *, file: str) -> Any:
    """The value of YAML ``text`` (read from ``file``, named in errors); see the module
    docstring for what is refused. An empty document is ``None``."""
    import yaml

    try:
        loader = _loader_class()(text, file)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise InputError(f"invalid YAML: {str(exc).splitlines()[0]}", file=file) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _expanded_size(root, file)
        return loader.construct_document(root)
    except InputError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        row = mark.line + 1 if mark is not None else None
        raise InputError(f"invalid YAML: {problem}", file=file, row=row) from None
    except RecursionError:
        raise InputError("nested too deeply to read; refused", file=file) from None
    finally:
        loader.dispose()


def parse_json(text: str, *, file: str) -> Any:
    """The value of JSON ``text``; :class:`InputError` naming ``file`` and the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=file, row=exc.lineno) from None
    except RecursionError:
        raise InputError("nested too deeply to read; refused", file=file) from None


def read_yaml(path: str | os.PathLike[str], *, cannot_read: str = "cannot read") -> Any:
    """:func:`parse_yaml` of the file at ``path``; :class:`InputError` naming the file
    when it cannot be read (``"{cannot_read}: {reason}"``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise InputError(f"{cannot_read}: it is a directory", file=str(file)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{cannot_read}: not UTF-8 text (byte {exc.start})",
                         file=str(file)) from None
    except OSError as exc:
        raise InputError(f"{cannot_read}: {exc.strerror}", file=str(file)) from None
    return parse_yaml(text, file=str(file))
