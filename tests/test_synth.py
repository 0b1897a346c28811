import hashlib

import pandas as pd
import pytest

import esnkit
from esnkit.synth import SynthSpec, write_demo_client

SPEC = SynthSpec(n_people=400, months=18, seed=3)


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    write_demo_client(tmp_path / "a", spec=SPEC)
    write_demo_client(tmp_path / "b", spec=SPEC)
    write_demo_client(tmp_path / "c", spec=SynthSpec(n_people=400, months=18, seed=4))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a")["raw/viva-engage-export.zip"] != digest(tmp_path / "c")["raw/viva-engage-export.zip"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    story = write_demo_client(root, spec=SPEC)
    return esnkit.load(root / "raw" / "viva-engage-export.zip", key=b"k"), story, root


def test_the_export_is_a_real_viva_engage_zip_that_loads_cleanly(demo):
    ds, _story, _root = demo
    assert ds.meta.sources[0]["format"] == "viva-engage"
    assert not any("log.txt says" in w for w in ds.meta.warnings)
    assert len(ds.people) >= SPEC.n_people and len(ds.messages) > 2000


def test_launch_spike_then_decline(demo):
    ds, *_ = demo
    monthly = ds.messages.groupby(ds.messages["created_at"].dt.tz_localize(None).dt.to_period("M")).size()
    peak = monthly.idxmax()
    assert monthly.index.get_loc(peak) <= 4
    assert monthly.iloc[-3:].mean() < 0.6 * monthly.max()


def test_silo_department_only_replies_to_itself(demo):
    ds, story, _root = demo
    people = ds.people.set_index("person_id")["department"]
    m = ds.messages[~ds.messages["is_private"]]
    parent = m.set_index("message_id")["author_id"]
    replies = m[m["reply_to_id"].notna() & m["reply_to_id"].isin(parent.index)]
    a = replies["author_id"].map(people)
    b = replies["reply_to_id"].map(parent).map(people)
    silo = story.silo_department
    involved = (a == silo) | (b == silo)
    assert involved.any()
    assert ((a == silo) & (b == silo))[involved].all()


def test_story_is_planted(demo):
    ds, story, _root = demo
    assert len(story.connectors) == SPEC.n_connectors
    statuses = set(story.group_status.values())
    assert {"thriving", "dormant", "idle", "declining"} <= statuses
    assert len(story.lapsed) > 10
    # Dormant communities have had no message in the last 90 days.
    last = ds.messages.groupby("group_id")["created_at"].max()
    end = pd.Timestamp(story.end, tz="UTC")
    for gid, status in story.group_status.items():
        if status == "dormant" and gid in last:
            assert last[gid] < end - pd.Timedelta(days=90)


def test_the_findings_name_the_planted_silo_and_connectors(tmp_path):
    from esnkit.config import ClientPaths
    from esnkit.ingest import ingest_client
    from esnkit.steps.context import open_step
    from esnkit.steps.findings import findings

    story = write_demo_client(tmp_path, spec=SynthSpec(n_people=1200, months=18, seed=3))
    ingest_client(ClientPaths(tmp_path))
    ctx = open_step(str(tmp_path))
    items = {f.found.split(":", 1)[0]: f for f in findings(ctx)}
    assert items["Silo"].found.split(" stay inside ")[1].startswith(f"{story.silo_department} ")
    ids = ctx.ds.identities.set_index("source_user_id")["person_id"]
    planted = set(ids.reindex(story.connectors).dropna())
    assert set(items["Key-person risk"].people) <= planted  # the people the links hang on are the planted connectors
