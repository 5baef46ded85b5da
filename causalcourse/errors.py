"""The course's one error policy: bad input raises a :class:`CourseError`.

Every public helper of ``causalcourse`` checks its input *before* it computes and,
when the input is wrong, raises a :class:`CourseError` whose message names the
offending node, column, file or value and, where there is one, the fix. Learners
see one line they can act on instead of a stack trace from numpy, pandas or
networkx.

- :class:`CourseError` subclasses :class:`ValueError`, so ``except ValueError``
  keeps working.
- :class:`UnknownNameError` is the error for a *name that is not there* (a node
  missing from a graph, a column missing from a table, an unknown condition). It
  subclasses both :class:`CourseError` and :class:`KeyError`, because a lookup
  failed; its message is printed as written, without the quotes ``KeyError`` adds.

Example
-------
>>> try:
...     raise UnknownNameError("node 'Q' is not in the graph (nodes: X, Y)")
... except KeyError as error:
...     print(error)
node 'Q' is not in the graph (nodes: X, Y)
>>> issubclass(UnknownNameError, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["CourseError", "UnknownNameError", "check_known"]


class CourseError(ValueError):
    """Bad input to a ``causalcourse`` helper; the message names what is wrong."""


class UnknownNameError(CourseError, KeyError):
    """A node, column, file or condition name that is not there."""

    __str__ = BaseException.__str__  # print the message, not KeyError's repr of it


def check_known(
    names: Iterable[object], known: Iterable[object], what: str = "node", where: str = "the graph"
) -> None:
    """Raise :class:`UnknownNameError` naming every entry of ``names`` not in ``known``.

    Example
    -------
    >>> check_known(["X"], ["X", "Y"])
    >>> check_known(["X", "Q"], ["X", "Y"], what="column", where="the data")
    Traceback (most recent call last):
    ...
    causalcourse.errors.UnknownNameError: column 'Q' is not in the data (known: 'X', 'Y')
    """
    pool = list(known)
    missing = [n for n in names if n not in pool]
    if missing:
        listed = ", ".join(repr(n) for n in missing)
        plural = "s" if len(missing) > 1 else ""
        verb = "are" if len(missing) > 1 else "is"
        raise UnknownNameError(
            f"{what}{plural} {listed} {verb} not in {where} "
            f"(known: {', '.join(repr(k) for k in pool)})"
        )
