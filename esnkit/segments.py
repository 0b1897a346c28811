"""Every segment client.yml names is held to ``min_group_size``, before any figure is drawn from it.

An objective segmented to ``{department: Legal, location: Cork}`` or a campaign aimed at one cell
reports that cell's activity (a baseline, an uplift) whatever it holds: a cell of one person
reports that person. The cells depend on the data, so :func:`check_segments` runs at the end of
``esnkit ingest`` (before ``processed/`` is replaced) and at the start of ``esnkit run`` (before
any step), and refuses a segment under the floor naming the objective or campaign and the key.
"""

from __future__ import annotations

import pandas as pd

from ._text import count
from .errors import ConfigError, EsnkitError

__all__ = ["check_segments"]


def _describe(segment: dict) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in segment.items()) + "}"


def check_segments(ds, config, *, where: str, paths=None) -> None:
    """Refuse (:class:`~esnkit.errors.ConfigError`) any objective or campaign of ``config`` whose people number
    fewer than ``config.min_group_size`` in ``ds``; ``where`` names the client.yml."""
    from .steps.plan import segment_people
    from .steps.reactivate import _campaign_people

    floor = config.min_group_size
    checks = []
    for i, objective in enumerate(config.objectives):
        segment = objective.get("segment")
        if not segment:
            continue
        if not isinstance(segment, dict):
            raise ConfigError(f"{where}: objectives[{i}] ({objective.get('id', '?')}): segment must be a mapping like {{department: Sales}}")
        label = f"objectives[{i}] ({objective.get('id') or objective.get('metric', '?')}): segment {_describe(segment)}"
        try:
            people = segment_people(ds, segment)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {label}: {exc}") from exc
        checks.append((label, people))
    for i, campaign in enumerate(config.campaigns):
        name = campaign.get("name", "?")
        if campaign.get("segment"):
            label = f"campaigns[{i}] ({name}): segment {_describe(dict(campaign['segment']))}"
        elif "list" in campaign:
            label = f"campaigns[{i}] ({name}): list {campaign['list']}"
        elif "people" in campaign:
            label = f"campaigns[{i}] ({name}): people"
        else:
            continue
        try:
            people = _campaign_people(ds, campaign, paths)
        except EsnkitError as exc:
            raise ConfigError(f"{where}: {label}: {exc}") from exc
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise ConfigError(f"{where}: {label}: cannot be read ({exc}); check the list is a CSV with an email column") from exc
        checks.append((label, people))
    for label, people in checks:
        n = int(pd.Series(people, dtype="str").dropna().nunique())
        if n < floor:
            raise ConfigError(
                f"{where}: {label} holds {count(n, 'person', 'people')}, fewer than min_group_size {floor}: "
                "its figures would single people out; widen the segment or remove it"
            )
