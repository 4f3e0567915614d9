"""Exit statuses of every command (README, "Exit codes"; each command's ``--help``)."""

from __future__ import annotations

__all__ = ["EXIT_ACTION", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TIME_LIMIT",
           "exit_codes_epilog"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_TIME_LIMIT, EXIT_ACTION, EXIT_INTERRUPTED = 0, 2, 3, 10, 130
"""Exit statuses of every command (README, "Exit codes"; each command's --help)."""

_EXIT_EXTRA = {
    "plan": f"{EXIT_TIME_LIMIT} = the solver stopped at its time limit (a warning line says "
            "so; the plan shown is feasible but may not be optimal)",
    "check": f"{EXIT_ACTION} = action needed (a class or tier outside its band)",
    "monitor": f"{EXIT_ACTION} = action needed (an open alert of severity action); "
               f"{EXIT_BAD_INPUT} also when a household could not be read or --notify failed",
    "plan-all": f"{EXIT_BAD_INPUT} also when some households failed (each listed)",
}


def exit_codes_epilog(command: str) -> str:
    """The exit statuses of ``command``, for its --help."""
    ok = {"check": "within bands", "monitor": "nothing to do"}.get(command, "done")
    parts = [f"{EXIT_OK} = {ok}", f"{EXIT_BAD_INPUT} = bad input or an impossible request "
             "(one line on stderr naming the file, field or flag)"]
    if command in _EXIT_EXTRA:
        parts.append(_EXIT_EXTRA[command])
    parts.append(f"{EXIT_INTERRUPTED} = interrupted")
    return "Exit status: " + "; ".join(parts) + "."
