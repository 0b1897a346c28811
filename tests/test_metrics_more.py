"""Metrics the notebooks show that had no hand-worked test of their own (see helpers.small_dataset for the story)."""

import numpy as np
import pandas as pd
from helpers import AS_OF, small_dataset
from pandas.testing import assert_frame_equal

from esnkit.metrics import adoption, conversations, voice


def test_stickiness_is_mean_daily_active_over_monthly_active():
    got = adoption.stickiness(small_dataset(), as_of=AS_OF)
    # Jan: a and b on the 5th, a on the 6th = 3 person-days over 31 days, 2 people that month.
    # Feb: c on the 10th. Mar: d, a and c on the 1st (the bot's post on the 2nd does not count).
    expected = pd.DataFrame({"month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"), "dau": [3 / 31, 1 / 28, 3 / 31], "mau": [2, 1, 3]})
    expected["stickiness"] = [3 / 31 / 2, 1 / 28, 1 / 31]
    assert_frame_equal(got, expected)


def test_thread_depth_counts_replies_per_thread_and_caps_at_ten():
    threads = pd.DataFrame({"n_replies": [2, 0, 1, 0, 12, 10]})
    got = conversations.thread_depth(threads)
    expected = pd.DataFrame(
        {"n_replies": ["0", "1", "2", "10+"], "threads": np.array([2, 1, 1, 2], dtype="int64"), "share": [2 / 6, 1 / 6, 1 / 6, 2 / 6]}
    )
    assert_frame_equal(got, expected)


def test_interview_themes_hide_small_user_types_and_count_sentiment():
    interviews = pd.DataFrame(
        {
            "user_type": ["manager"] * 5 + ["exec"] * 2,
            "theme": ["time", "time", "time", "value", "value", "time", "time"],
            "sentiment": ["negative", "Negative ", "positive", "positive", "neutral", "negative", "negative"],
            "quote": ["no time", "too busy", "worth it", "useful", "ok", "exec 1", "exec 2"],
        }
    )
    got = voice.interview_themes(interviews, min_group_size=5)
    expected = pd.DataFrame(
        {
            "user_type": ["manager", "manager"],
            "theme": ["time", "value"],
            "mentions": [3, 2],
            "positive": [1, 1],
            "negative": [2, 0],
            "mixed_or_neutral": [0, 1],  # "ok" was neutral: the three counts add up to the mentions
            "quote": ["no time", "useful"],
        }
    ).astype({"mentions": "int64", "positive": "int64", "negative": "int64", "mixed_or_neutral": "int64"})
    assert_frame_equal(got, expected)
    assert voice.interview_themes(interviews, min_group_size=2)["user_type"].tolist() == ["exec", "manager", "manager"]


def test_a_success_draws_in_someone_else_and_gets_an_answer():
    from esnkit.metrics import successes

    got = successes.successful_threads(small_dataset(), as_of=AS_OF)
    # threads 1 (a, b) and 5 (d, a's reaction, c) had others take part and an answer; 4 and the bot's 7 did not
    assert got["thread_id"].tolist() == ["5", "1"] and got["participants"].tolist() == [2, 2]
    assert got["reason"].tolist() == ["2 people from one department, first answer in 1.0h", "2 people from one department, first answer in 2.0h"]
