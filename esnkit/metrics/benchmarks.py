"""Published figures a client can be compared with, each with its definition, population and source.

The figures are self-reported by their publishers and their definitions differ (some count reading,
some do not): every comparison carries its caveat.
"""

from __future__ import annotations

import pandas as pd

from .kpis import kpi

__all__ = ["PUBLISHED", "LABELS", "compare_with_benchmarks"]

PUBLISHED = pd.DataFrame(
    [
        (
            "interactive_share",
            0.27,
            "Average share of users interactive (posted, replied, reacted or @mentioned; reads excluded) over 6 months",
            "Viva Engage networks",
            "SWOOP Analytics, 'Interactive Users'",
            "n/a",
        ),
        (
            "interactive_share_target",
            0.38,
            "Recommended target for the interactive share",
            "Viva Engage networks",
            "SWOOP Analytics, 'Interactive Users'",
            "n/a",
        ),
        ("active_participation", 0.31, "Active participation", "75 organisations, 2.8 M employees", "SWOOP benchmark press release", "2021"),
        ("readership", 0.85, "Share of users who read", "75 organisations, 2.8 M employees", "SWOOP benchmark press release", "2021"),
        ("lurker_share", 0.90, "Share who only lurk (90-9-1 rule)", "online communities generally", "Nielsen Norman Group", "2006"),
        ("activation_target", 0.80, "Share of invited people activated (aim)", "Workplace from Meta networks", "Workplace admin guide", "n/a"),
        (
            "community_active_threshold",
            0.05,
            "A community is active when at least 5% of members reacted or replied",
            "Viva Engage communities",
            "Microsoft Viva Engage documentation",
            "n/a",
        ),
        (
            "never_posted_share",
            0.97,
            "Share of members who never posted in public groups",
            "one 130,000-member ESN",
            "Lee Romero via Stan Garfield",
            "2016",
        ),
    ],
    columns=["figure", "value", "definition", "population", "source", "year"],
)

#: What a reader sees for each figure: a headline KPI's own label, else plain words (the ids are code).
LABELS: dict[str, str] = {
    "interactive_share": kpi("interactive_share").label,
    "interactive_share_target": "Target: " + kpi("interactive_share").label[0].lower() + kpi("interactive_share").label[1:],
    "active_participation": "Active participation",
    "readership": "People who read",
    "lurker_share": "People who made no contribution in 6 months",
    "activation_target": "Invited people activated (aim)",
    "community_active_threshold": "Members who reacted or replied, for a community to count as active",
    "never_posted_share": "Members who never posted in public groups",
}


def compare_with_benchmarks(client: dict[str, float]) -> pd.DataFrame:
    """Client figures beside the published ones with the same key.

    Parameters
    ----------
    client : dict
        figure name -> the client's value (e.g. ``{"interactive_share": 0.12}``).

    Returns
    -------
    DataFrame
        ``figure``, ``label`` (:data:`LABELS`: what a reader sees), ``client``, ``published``, ``gap``
        (client - published), ``definition``, ``population``, ``source``, ``year``.

    Examples
    --------
    >>> compare_with_benchmarks({"interactive_share": 0.12})[["figure", "client", "published", "gap"]].round(2).to_string(index=False)
    '           figure  client  published   gap\\ninteractive_share    0.12       0.27 -0.15'
    """
    unknown = set(client) - set(PUBLISHED["figure"])
    if unknown:
        raise ValueError(f"no published figure named {sorted(unknown)}; known: {', '.join(PUBLISHED['figure'])}")
    rows = PUBLISHED[PUBLISHED["figure"].isin(list(client))].copy()
    rows.insert(1, "client", rows["figure"].map(client).astype("float64"))
    rows = rows.rename(columns={"value": "published"})
    rows.insert(3, "gap", rows["client"] - rows["published"])
    rows["label"] = rows["figure"].map(LABELS)
    return rows[["figure", "label", "client", "published", "gap", "definition", "population", "source", "year"]].reset_index(drop=True)
