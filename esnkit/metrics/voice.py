"""What users say: survey favourability by segment, interview themes by user type.

*Favourable* is a top-two-box answer (4 or 5 on a 1-5 scale). Every segment with fewer than
``min_group_size`` respondents is dropped, in tables and plots alike.
"""

from __future__ import annotations

import pandas as pd

from ._base import suppress

__all__ = ["survey_favourability", "interview_themes"]


def survey_favourability(survey: pd.DataFrame, *, by: str | None = None, scale_max: int = 5, min_group_size: int = 5) -> pd.DataFrame:
    """Share of favourable answers per question (and per ``by`` value).

    Returns
    -------
    DataFrame
        ``question``, (``<by>``), ``respondents``, ``favourable`` (share), ``mean``.

    Examples
    --------
    >>> s = pd.DataFrame({"response_id": ["1", "2", "3", "4", "5"], "question": ["Q"] * 5, "value": [5.0, 4.0, 3.0, 2.0, 4.0]})
    >>> survey_favourability(s).to_string(index=False)
    'question  respondents  favourable  mean\\n       Q            5         0.6   3.6'
    """
    if by is not None and by not in survey.columns:
        raise ValueError(f"survey has no column {by!r}; respondent attributes are {', '.join(map(str, survey.columns[4:])) or 'none'}")
    keys = ["question"] + ([by] if by else [])
    frame = survey.assign(fav=survey["value"] >= scale_max - 1)
    out = (
        frame.groupby(keys, dropna=True).agg(respondents=("response_id", "nunique"), favourable=("fav", "mean"), mean=("value", "mean")).reset_index()
    )
    out["respondents"] = out["respondents"].astype("int64")
    out["favourable"] = out["favourable"].astype("float64")
    out["mean"] = out["mean"].astype("float64")
    return suppress(out, count_column="respondents", min_group_size=min_group_size)


def interview_themes(interviews: pd.DataFrame, *, min_group_size: int = 5) -> pd.DataFrame:
    """Themes by user type: ``user_type``, ``theme``, ``mentions``, ``positive``, ``negative``, ``mixed_or_neutral``, ``quote``.

    The three sentiment counts add up to the mentions: a note coded *mixed* (or anything but
    positive or negative) is counted as such, never left out so that a theme reads "positive 0,
    negative 0". Sentiments are read case-insensitively. User types with fewer than
    ``min_group_size`` interviews are dropped, so no one is recognisable.
    """
    sizes = interviews.groupby("user_type").size()
    keep = sizes[sizes >= min_group_size].index
    i = interviews[interviews["user_type"].isin(keep)]
    feeling = i["sentiment"].astype("str").str.strip().str.lower()
    i = i.assign(is_positive=(feeling == "positive").to_numpy(), is_negative=(feeling == "negative").to_numpy())
    out = (
        i.groupby(["user_type", "theme"])
        .agg(mentions=("quote", "size"), positive=("is_positive", "sum"), negative=("is_negative", "sum"), quote=("quote", "first"))
        .reset_index()
    )
    out.insert(5, "mixed_or_neutral", out["mentions"] - out["positive"] - out["negative"])
    return (
        out.astype({"mentions": "int64", "positive": "int64", "negative": "int64", "mixed_or_neutral": "int64"})
        .sort_values(["user_type", "mentions"], ascending=[True, False])
        .reset_index(drop=True)
    )
