"""The five steps of the framework, one module each, in the order a consultant works.

==========  ===================  ==================================================================
step        module               the client's question
==========  ===================  ==================================================================
1 assess    :mod:`.assess`       Where are we starting from?
2 plan      :mod:`.plan`         What will we achieve, by when?
3 reactivate :mod:`.reactivate`  Who do we harness and who do we bring back?
4 sustain   :mod:`.sustain`      Is it becoming the way we work?
5 report    :mod:`.report`       Are we on track?
==========  ===================  ==================================================================

Each step module has a pure ``build_*`` function (a :class:`~.context.StepContext` in, a frozen
result of tables out) and a summary writer that turns the numbers into sentences. The notebook
``notebooks/N-<name>.ipynb`` opens the client with :func:`~.context.open_step` and narrates that
result; the parameters every step notebook declares are :data:`PARAMETERS`, defined here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ClientConfig, ClientPaths

__all__ = [
    "Step",
    "STEPS",
    "Parameter",
    "PARAMETERS",
    "parameters_cell",
    "notebook_parameters",
    "resolve_as_of",
    "resolve_delivered_on",
    "run_day",
    "RUN_DAY_ENV",
    "default_as_of",
    "month_is_partial",
    "period_note",
    "month_end_after",
]


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    title: str

    @property
    def stem(self) -> str:
        """The notebook's and the deliverables' file name without suffix: ``1-assess``."""
        return f"{self.number}-{self.name}"


STEPS = (
    Step(1, "assess", "Assess: where are we starting from?"),
    Step(2, "plan", "Plan: what will we achieve, by when?"),
    Step(3, "reactivate", "Reactivate: who do we harness and who do we bring back?"),
    Step(4, "sustain", "Sustain: is it becoming the way we work?"),
    Step(5, "report", "Report: are we on track?"),
)


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str  # as written in the notebook
    help: str


#: The parameters cell of every step notebook, in order. ``esnkit run`` passes each of them; a
#: notebook run by hand takes the defaults, which defer to ``client.yml`` (the one place defaults live).
PARAMETERS = (
    Parameter("client_dir", "str", '"../tests/fixtures/tiny-client"', "the client folder; `esnkit run` passes data/CLIENT"),
    Parameter("as_of", "str", '""', "last day analysed, YYYY-MM-DD (empty: client.yml's, else the last complete month's end)"),
    Parameter(
        "delivered_on",
        "str",
        '""',
        "day the deliverables are delivered, YYYY-MM-DD: due dates count from it (empty: client.yml's, else today)",
    ),
    Parameter("min_group_size", "Optional[int]", "None", "breakdowns by an HR attribute hide smaller groups (None: client.yml's)"),
    Parameter("show_names", "Optional[bool]", "None", "names only with the client's written consent (None: client.yml's)"),
    Parameter("inactive_days", "Optional[int]", "None", "days without activity after which a person counts as lapsed (None: client.yml's)"),
)


def parameters_cell() -> str:
    """The source of the ``parameters`` cell every step notebook carries (a test holds them to it).

    Types are written ``Optional[int]`` rather than ``int | None``: papermill's parameter parser
    (``papermill --help-notebook``, and the unknown-parameter check of ``esnkit run``) reads only
    the former.
    """
    lines = ["from typing import Optional", ""]
    lines += [f"{p.name}: {p.type} = {p.default}  # {p.help}" for p in PARAMETERS]
    return "\n".join(lines)


def notebook_parameters(paths: ClientPaths, config: ClientConfig, as_of: dt.date, delivered_on: dt.date | None = None) -> dict[str, object]:
    """What ``esnkit run`` passes to every step notebook: the client folder, the as-of, the delivery date and client.yml's settings.

    ``delivered_on`` is always passed as a date (the run's own day unless given): the executed
    notebook records it, so a re-run with ``--delivered-on`` that day reproduces every due date.
    """
    return {
        "client_dir": str(paths.root),
        "as_of": as_of.isoformat(),
        "delivered_on": resolve_delivered_on(delivered_on, config, as_of).isoformat(),
        "min_group_size": config.min_group_size,
        "show_names": config.show_names,
        "inactive_days": config.inactive_days,
    }


def resolve_as_of(as_of: str | dt.date | None, config: ClientConfig, coverage_end: str | None, coverage_start: str | None = None) -> dt.date:
    """The last day analysed: the one asked for, else client.yml's ``as_of``, else :func:`default_as_of`.

    Raises
    ------
    ConfigError
        when nothing gives a date (no as-of anywhere and undated data), or ``as_of`` is no date.
    """
    from ..errors import ConfigError

    if isinstance(as_of, dt.date):
        return as_of
    if as_of:
        try:
            return dt.date.fromisoformat(str(as_of))
        except ValueError:
            raise ConfigError(f"as_of {str(as_of)[:40]!r} is not a date like 2026-06-30") from None
    if config.as_of:
        return config.as_of
    if not coverage_end:
        raise ConfigError("the data has no dates to take an as-of from; set as_of in client.yml or pass --as-of")
    return default_as_of(coverage_end, coverage_start)


def resolve_delivered_on(delivered_on: str | dt.date | None, config: ClientConfig, as_of: dt.date, *, today: dt.date | None = None) -> dt.date:
    """The day the deliverables are delivered: the one asked for, else client.yml's ``delivered_on``, else today.

    Every due date (a finding's "by", a proposed objective's deadline) counts from it, so a
    document delivered months after its data's as-of never asks for an action by a day already
    past. A day before the as-of (a document cannot be delivered before the data it reads) is
    refused when asked for; today before the as-of (data dated ahead of the machine's clock)
    counts as the as-of.

    Examples
    --------
    >>> from esnkit.config import ClientConfig
    >>> resolve_delivered_on("2026-12-07", ClientConfig(name="A"), dt.date(2026, 9, 30))
    datetime.date(2026, 12, 7)
    >>> resolve_delivered_on(None, ClientConfig(name="A"), dt.date(2026, 9, 30), today=dt.date(2026, 8, 1))
    datetime.date(2026, 9, 30)

    Raises
    ------
    ConfigError
        when ``delivered_on`` is no date, or a day before ``as_of``.
    """
    from ..errors import ConfigError

    if isinstance(delivered_on, str) and delivered_on:
        try:
            delivered_on = dt.date.fromisoformat(delivered_on)
        except ValueError:
            raise ConfigError(f"delivered_on {delivered_on[:40]!r} is not a date like 2026-12-07") from None
    day = delivered_on or config.delivered_on
    if day is None:
        return max(today or run_day(), as_of)
    if day < as_of:
        raise ConfigError(
            f"delivered_on {day} is before the as-of {as_of}: deliverables cannot be delivered before the last day they analyse; "
            "give a later --delivered-on (or delivered_on in client.yml)"
        )
    return day


#: The environment variable that stands for the day of the run (a CI job or a test suite pins it, so its
#: outputs do not change with the calendar); like today, a day before the as-of counts as the as-of.
RUN_DAY_ENV = "ESNKIT_RUN_DAY"


def run_day() -> dt.date:
    """The day of the run: ``$ESNKIT_RUN_DAY`` when set (YYYY-MM-DD), else today."""
    import os

    from ..errors import ConfigError

    text = os.environ.get(RUN_DAY_ENV, "").strip()
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{RUN_DAY_ENV}={text[:40]!r} is not a date like 2026-12-07; unset it or give one") from None


def default_as_of(coverage_end: str, coverage_start: str | None = None) -> dt.date:
    """The last day of the last complete month in the data.

    A month is complete when the data reach its last day. When the data do not cover one whole
    month, the data's last day (a partial month, which the deliverables label as such).

    Examples
    --------
    >>> default_as_of("2025-07-01T08:12:00+00:00"), default_as_of("2025-06-30T23:59:00+00:00")
    (datetime.date(2025, 6, 30), datetime.date(2025, 6, 30))
    >>> default_as_of("2026-03-20T10:00:00+00:00", "2026-03-05T09:00:00+00:00")
    datetime.date(2026, 3, 20)
    """
    last = dt.date.fromisoformat(coverage_end[:10])
    month_end = last.replace(day=1) + dt.timedelta(days=32)
    if (month_end.replace(day=1) - dt.timedelta(days=1)) == last:
        return last
    previous = last.replace(day=1) - dt.timedelta(days=1)
    if coverage_start and previous < dt.date.fromisoformat(coverage_start[:10]):
        return last
    return previous


def month_is_partial(as_of: dt.date) -> bool:
    """True when ``as_of`` is not the last day of its month.

    Examples
    --------
    >>> month_is_partial(dt.date(2026, 2, 28)), month_is_partial(dt.date(2026, 7, 12))
    (False, True)
    """
    return (as_of + dt.timedelta(days=1)).month == as_of.month


def period_note(as_of: dt.date, coverage_start: str | None, coverage_end: str | None) -> str:
    """The cover's line on the period: which complete months are covered, and what was left out or is partial.

    Examples
    --------
    >>> period_note(dt.date(2025, 6, 30), "2024-03-04T10:00:00+00:00", "2025-07-01T08:00:00+00:00")
    'Covers March 2024 to June 2025 (complete months; the data run to 1 July 2025, the partial month after is not analysed)'
    >>> period_note(dt.date(2025, 7, 12), "2024-03-04T10:00:00+00:00", "2025-07-20T08:00:00+00:00")
    'Covers March 2024 to 12 July 2025 (July 2025 is a partial month)'
    >>> period_note(dt.date(2022, 10, 31), "2022-10-01T00:00:00+00:00", "2022-10-31T00:00:00+00:00")
    'Covers October 2022 (a complete month)'
    >>> period_note(dt.date(2026, 3, 13), "2026-03-03T09:00:00+00:00", "2026-03-13T00:00:00+00:00")
    'Covers 3 to 13 March 2026 (March 2026 is a partial month)'
    """
    first = dt.date.fromisoformat(coverage_start[:10]) if coverage_start else None
    same_month = first is not None and (first.year, first.month) == (as_of.year, as_of.month)
    start = "" if same_month else (f"{first:%B %Y} to " if first else "up to ")
    if month_is_partial(as_of):
        start = f"{first.day} to " if same_month else start
        return f"Covers {start}{as_of.day} {as_of:%B %Y} ({as_of:%B %Y} is a partial month)"
    text = f"Covers {start}{as_of:%B %Y} ({'a complete month' if same_month else 'complete months'}"
    if coverage_end and dt.date.fromisoformat(coverage_end[:10]) > as_of:
        end = dt.date.fromisoformat(coverage_end[:10])
        text += f"; the data run to {end.day} {end:%B %Y}, the partial month after is not analysed"
    return text + ")"


def month_end_after(as_of: dt.date, months: int) -> dt.date:
    """The last day of the month ``months`` after ``as_of``'s: deadlines and "by when" fall on month ends.

    Examples
    --------
    >>> month_end_after(dt.date(2026, 9, 30), 1), month_end_after(dt.date(2026, 9, 15), 12)
    (datetime.date(2026, 10, 31), datetime.date(2027, 9, 30))
    """
    import pandas as pd

    return (pd.Period(as_of, "M") + months).end_time.date()
