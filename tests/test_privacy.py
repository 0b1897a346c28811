import os
import stat

import pandas as pd
import pytest

from esnkit.errors import ConfigError
from esnkit.privacy import Pseudonymiser, excel_safe, identity_keys, load_or_create_key, suppress_small


def test_key_is_created_once_private_and_stable(tmp_path):
    path = tmp_path / "client" / ".esnkit-key"
    k1 = load_or_create_key(path)
    k2 = load_or_create_key(path)
    assert k1 == k2 and len(k1) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_damaged_key_is_refused(tmp_path):
    path = tmp_path / ".esnkit-key"
    path.write_text("not hex")
    with pytest.raises(ConfigError, match="not a valid esnkit key"):
        load_or_create_key(path)


def test_same_key_same_ids_other_key_other_ids():
    values = pd.Series(["email:a@x.com", "slack:U1", None])
    a = Pseudonymiser(b"k1").ids(values)
    b = Pseudonymiser(b"k1").ids(values)
    c = Pseudonymiser(b"k2").ids(values)
    pd.testing.assert_series_equal(a, b)
    assert a[0] != c[0] and a[1] != c[1]
    assert pd.isna(a[2])
    assert a.str.fullmatch(r"[0-9a-f]{16}").iloc[:2].all()


def test_identity_prefers_email_and_normalises_it():
    ids = pd.Series(["1", "2", "3"])
    emails = pd.Series(["  Ann@X.com", None, "not-an-email"])
    got = identity_keys("viva-engage", ids, emails)
    assert got.tolist() == ["email:ann@x.com", "viva-engage:2", "viva-engage:3"]


def test_excel_safe_neutralises_formulas_in_cells_and_headers():
    frame = pd.DataFrame({"name": ['=HYPERLINK("x")', "+44 1234", "-1", "@SUM(A1)", "Ann"], "@col": ["a", "b", "c", "d", "e"]})
    got = excel_safe(frame)
    expected = pd.DataFrame({"name": ['\'=HYPERLINK("x")', "'+44 1234", "'-1", "'@SUM(A1)", "Ann"], "'@col": ["a", "b", "c", "d", "e"]}).astype("str")
    pd.testing.assert_frame_equal(got, expected)


def test_suppress_small_drops_cells_under_the_floor_and_keeps_the_floor():
    t = pd.DataFrame({"department": ["A", "B", "C"], "people": [4, 5, 6]})
    got = suppress_small(t, count_column="people", min_group_size=5)
    pd.testing.assert_frame_equal(got, pd.DataFrame({"department": ["B", "C"], "people": [5, 6]}))


def test_client_csvs_quote_every_field_neutralise_formulas_after_separators_and_are_private(tmp_path):
    import csv

    from esnkit.privacy import write_client_csv

    frame = pd.DataFrame({"name": ["Ann", "Bob"], "department": ["London;=1+1", '=HYPERLINK("x")'], "n": [3, -2]})
    path = write_client_csv(frame, tmp_path / "list.csv")
    raw = path.read_text(encoding="utf-8-sig")
    assert raw.splitlines()[0] == '"name","department","n"'
    assert raw.splitlines()[1] == '"Ann","London;\'=1+1","3"'
    rows = list(csv.reader(raw.splitlines()))
    assert rows[2] == ["Bob", '\'=HYPERLINK("x")', "'-2"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # opened as ";"-separated text, no cell starts with a trigger
    for line in raw.splitlines()[1:]:
        for cell in line.replace('"', "").split(";"):
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_a_person_who_opted_out_is_counted_but_never_printed_one_by_one(tmp_path):
    import pandas as pd
    from helpers import small_dataset, step_context

    from esnkit.steps.findings import _people_label

    ds = small_dataset()
    ids = pd.DataFrame(
        {"person_id": ["a", "b"], "source": "test", "source_user_id": ["1", "2"], "name": ["Ann", "Bob"], "email": ["ann@x.com", "bob@x.com"]}
    )
    ds = ds.replace(identities=ids)
    ctx = step_context(ds, tmp_path, opt_outs=("BOB@x.com",))
    assert ctx.opted_out == frozenset({"b"})  # the address as Outlook gives it is the same address
    rows = pd.DataFrame({"person_id": ["a", "b", "c"], "department": ["X", "X", "Y"], "ties": [3, 2, 1]})
    shown = ctx.person_rows(rows)
    assert shown["person_id"].tolist() == ["a", "c"]  # b is left out of every table
    labels = _people_label(ctx, rows, pd.Series(dtype="str"))
    assert len(labels) == 3 and labels[-1] == "one person who asked not to be named"
    assert ctx.person_labels(["b"]).iloc[0] not in " ".join(labels) and ctx.person_labels(["a"]).iloc[0] in labels[0]
    # without opt-outs, everyone is shown
    assert step_context(ds, tmp_path).person_rows(rows)["person_id"].tolist() == ["a", "b", "c"]


def test_leaders_without_a_manager_chain_are_listed_without_organisation_columns(tmp_path):
    import types

    import pandas as pd
    from helpers import small_dataset, step_context

    from esnkit.steps.assess import leaders_table

    ctx = step_context(small_dataset(), tmp_path)
    leaders = pd.DataFrame(
        {
            "person_id": ["a", "c"],
            "posts": [2, 1],
            "reach": [3, 1],
            "organisation": [0, 0],
            "organisation_reached": [None, None],
            "responds_to_their_people": [None, None],
        }
    )
    t = leaders_table(ctx, types.SimpleNamespace(leaders=leaders))
    assert list(t.columns) == ["person", "posts", "reach"]  # "people in their organisation 0" for everyone would say nothing
    with_chain = leaders.assign(organisation=[12, 0])
    assert list(leaders_table(ctx, types.SimpleNamespace(leaders=with_chain)).columns)[3:] == [
        "organisation",
        "organisation_reached",
        "responds_to_their_people",
    ]
