"""The shape writers write what their tables hold, in the vendors' formats: each export loads with the counts of its tables.

The shape matrix (tests/test_shape_matrix.py) computes the KPIs from the tables; these tests make
sure the files hold the same messages, replies and reactions, so a difference there is the analysis's.
"""

import json
import zipfile

import pandas as pd
import pytest

import esnkit
from esnkit import synth


def _live(t):
    return t["Messages"][t["Messages"]["deleted_at"] == ""]


@pytest.mark.parametrize("threads", [True, False])
def test_a_slack_export_holds_the_tables_messages_replies_and_untimed_reactions(tmp_path, threads):
    spec = synth.shape_spec("slack-threads")
    t = synth.shape_tables("slack-threads", spec)["slack"]
    path = synth.write_slack_export(t, tmp_path / "slack.zip", end=spec.end, threads=threads)
    ds = esnkit.load(path)
    live = _live(t)
    public_replies = ((live["replied_to_id"] != "") & (live["in_private_conversation"] != "true")).sum()
    assert len(ds.messages) == len(live)
    assert int((~ds.messages["is_thread_start"].astype(bool)).sum()) == (public_replies if threads else 0)
    assert int(ds.messages["is_private"].astype(bool).sum()) == int((live["in_private_conversation"] == "true").sum())
    on_live = t["reactions"]["message_id"].isin(live["id"])  # a deleted message's reactions went with it
    assert len(ds.reactions) == int(on_live.sum()) and ds.reactions["created_at"].isna().all()  # Slack gives reactions no time
    assert ds.people["department"].isna().all()  # and people no department
    assert int(ds.people["is_external"].fillna(False).astype(bool).sum()) == int(t["Users"]["email"].str.endswith(synth.GUEST_DOMAIN).sum())
    with zipfile.ZipFile(path) as zf:
        channels = json.loads(zf.read("channels.json")) + json.loads(zf.read("groups.json"))
        first = ds.messages.dropna(subset=["group_id"]).groupby("group_id")["created_at"].min()
    created = pd.Series({"C" + c["id"][1:]: pd.Timestamp(c["created"], unit="s", tz="UTC") for c in channels})
    assert (created.reindex(first.index) < first).all()  # no channel was created after its first message


def test_a_free_plan_window_starts_part_way_with_channels_older_than_it(tmp_path):
    spec = synth.shape_spec("slack-partial-history")
    t = synth.shape_tables("slack-partial-history", spec)["slack"]
    ds = esnkit.load(synth.write_slack_export(t, tmp_path / "slack.zip", end=spec.end))
    first = ds.messages["created_at"].min()
    assert first >= pd.Timestamp(spec.end, tz="UTC") - pd.Timedelta(days=140)
    assert (ds.groups["created_at"] < first - pd.Timedelta(days=30)).mean() > 0.5
    orphans = ds.messages["reply_to_id"].notna() & ~ds.messages["reply_to_id"].isin(ds.messages["message_id"])
    assert orphans.any()  # replies to parents the window does not hold


def test_private_messages_only_is_slack_direct_messages_with_no_channel(tmp_path):
    spec = synth.shape_spec("slack-dms-only")
    t = synth.shape_tables("slack-dms-only", spec)["slack"]
    ds = esnkit.load(synth.write_slack_export(t, tmp_path / "slack.zip", end=spec.end))
    assert len(ds.messages) == len(_live(t)) > 300
    assert ds.messages["is_private"].astype(bool).all() and ds.messages["group_id"].isna().all() and len(ds.groups) == 0
    assert ds.messages["is_thread_start"].astype(bool).all()  # direct messages are flat


def test_teams_pages_hold_posts_replies_chats_and_timed_reactions(tmp_path):
    spec = synth.shape_spec("teams-only")
    t = synth.shape_tables("teams-only", spec)["teams"]
    ds = esnkit.load(synth.write_teams_pages(t, tmp_path / "teams"), source="teams")
    live = _live(t)
    private = live["in_private_conversation"] == "true"
    assert len(ds.messages) == len(live)
    assert int(ds.messages["is_private"].astype(bool).sum()) == int(private.sum())
    assert int((~ds.messages["is_thread_start"].astype(bool)).sum()) == int(((live["replied_to_id"] != "") & ~private).sum())
    kept = t["reactions"]["message_id"].isin(live["id"])
    assert len(ds.reactions) == int(kept.sum()) and ds.reactions["created_at"].notna().all()
    assert set(ds.groups["name"]) <= set(t["Groups"]["name"])


def test_usage_reports_count_the_periods_posts_per_person(tmp_path):
    spec = synth.shape_spec("usage-reports-only")
    t = synth.shape_tables("usage-reports-only", spec)["viva-engage"]
    ds = esnkit.load(synth.write_usage_reports(t, tmp_path / "usage", end=spec.end), source="m365-usage")
    live = _live(t)
    at = pd.to_datetime(live["created_at"], format="%Y/%m/%d %H:%M:%S +0000")
    in_period = (at >= pd.Timestamp(spec.end) - pd.Timedelta(days=179)).sum()
    assert len(ds.people) == len(t["Users"]) and len(ds.messages) == 0
    assert int(ds.activity["posted"].sum()) == int(in_period)
    assert (ds.activity["period_end"] - ds.activity["period_start"]).eq(pd.Timedelta(days=180)).all()
    assert len(ds.groups) == len(t["Groups"])


def test_every_shape_client_lists_its_sources_and_as_of(tmp_path):
    for shape in synth.SHAPES:
        parts = synth.write_shape_client(tmp_path / shape, shape)
        config = (tmp_path / shape / "client.yml").read_text()
        assert "as_of: 2026-09-30" in config and config.count("format:") == len(parts), shape
    assert "format: viva-engage" in (tmp_path / "several-platforms" / "client.yml").read_text()
    assert "format: slack" in (tmp_path / "several-platforms" / "client.yml").read_text()
    assert synth.shape_spec("viva-engage-50").n_people == 50


def test_no_generated_message_predates_its_community_or_the_first_one():
    tables, _ = synth.generate(synth.SynthSpec(n_people=300, months=12))
    stamp = "%Y/%m/%d %H:%M:%S +0000"
    m, g = tables["Messages"], tables["Groups"]
    at = pd.to_datetime(m["created_at"], format=stamp)
    created = pd.Series(pd.to_datetime(g["created_at"], format=stamp).to_numpy(), index=g["id"].to_numpy())
    public = m["group_id"] != ""
    assert (at[public] > m.loc[public, "group_id"].map(created)).all()
    assert created.min() < at.min()  # "dated before the network existed" is never the generator's doing
