import datetime as dt

import pytest
import yaml

from esnkit.config import ClientPaths, client_template, config_from_dict, data_dir, load_config
from esnkit.errors import ConfigError


def test_template_parses_to_the_defaults():
    cfg = config_from_dict(yaml.safe_load(client_template("Acme")))
    assert cfg.name == "Acme"
    assert (cfg.min_group_size, cfg.show_names, cfg.keep_text, cfg.inactive_days) == (5, False, False, 90)
    assert cfg.sources == ()


def test_full_config():
    cfg = config_from_dict(
        {
            "name": "Acme",
            "sources": [{"path": "raw/x.zip", "format": "viva-engage"}, "raw/slack"],
            "roster": {"path": "raw/r.csv", "columns": {"email": "Email", "department": "Dept"}},
            "as_of": dt.date(2026, 6, 30),
            "min_group_size": 10,
            "opt_outs": ["Ann@X.com"],
        }
    )
    assert [s.format for s in cfg.sources] == ["viva-engage", "auto"]
    assert cfg.roster.columns == {"email": "Email", "department": "Dept"}
    assert cfg.as_of == dt.date(2026, 6, 30) and cfg.min_group_size == 10
    assert cfg.opt_outs == ("ann@x.com",)


@pytest.mark.parametrize(
    "data, words",
    [
        ({"name": "A", "min_group_sise": 5}, ["unknown key", "min_group_sise"]),
        ({"name": "A", "branding": {"colour": "#000000"}}, ["branding", "colour"]),
        ({"name": "A", "min_group_size": "five"}, ["min_group_size", "whole number"]),
        ({"name": "A", "show_names": "yes"}, ["show_names", "true or false"]),
        ({"name": "A", "as_of": "30/06/2026"}, ["as_of", "2026-06-30"]),
        ({"sources": []}, ["name", "required"]),
        ({"name": "A", "sources": [{"format": "slack"}]}, ["sources[0]", "path"]),
        ({"name": "A", "owners": {"comms": "Head of Comms"}}, ["owners", "'comms'", "adoption, conversation"]),
        ({"name": "A", "owners": ["Head of Comms"]}, ["owners", "mapping"]),
        ({"name": "A", "prepared_by": ["x"]}, ["prepared_by", "text"]),
    ],
)
def test_bad_config_is_explained(data, words):
    with pytest.raises(ConfigError) as err:
        config_from_dict(data)
    for w in words:
        assert w in str(err.value)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "client.yml"
    path.write_text("name: A\nsources: [\n")
    with pytest.raises(ConfigError, match=r"client\.yml"):
        load_config(path)


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert data_dir() == tmp_path / "data"
    monkeypatch.setenv("ESNKIT_DATA_DIR", str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"


def test_client_paths_and_names(tmp_path):
    p = ClientPaths.for_client("acme", tmp_path)
    assert p.processed == tmp_path / "acme" / "processed"
    assert p.reports("2026-06-30") == tmp_path / "acme" / "reports" / "2026-06-30"
    assert p.resolve("raw/x.zip") == tmp_path / "acme" / "raw" / "x.zip"
    with pytest.raises(ConfigError, match="client name"):
        ClientPaths.for_client("../evil", tmp_path)


def _config(tmp_path, text):
    path = tmp_path / "client.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_aliases_are_refused_before_they_expand(tmp_path):
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nname: *c\n'
    with pytest.raises(ConfigError, match=r"client\.yml: line 1: anchors and aliases"):
        load_config(_config(tmp_path, bomb))


def test_a_duplicated_key_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match=r"line 3: the key 'show_names' appears twice"):
        load_config(_config(tmp_path, "name: A\nshow_names: false\nshow_names: true\n"))


def test_values_in_errors_are_cut_short(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, f"name: A\nbranding: {{logo: {'x' * 5000}.png}}\n"))
    assert len(str(err.value)) < 300


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    "logo, setup, words",
    [
        (".esnkit-key", lambda root: (root / ".esnkit-key").write_text("ab" * 32), ["esnkit's own data"]),
        (
            "processed/people.parquet",
            lambda root: ((root / "processed").mkdir(), (root / "processed" / "people.parquet").write_bytes(PNG)),
            ["esnkit's own data"],
        ),
        ("/etc/passwd", lambda root: None, ["outside the client folder"]),
        ("../outside.png", lambda root: (root.parent / "outside.png").write_bytes(PNG), ["outside the client folder"]),
        ("raw/logo.png", lambda root: ((root / "raw").mkdir(), (root / "raw" / "logo.png").write_text("not an image")), ["not a PNG, JPEG or SVG"]),
        (
            "raw/logo.svg",
            lambda root: ((root / "raw").mkdir(), (root / "raw" / "logo.svg").write_text('<svg onload="alert(1)"></svg>')),
            ["scripts or links"],
        ),
        ("raw/missing.png", lambda root: None, ["does not exist"]),
    ],
)
def test_branding_logo_must_be_an_image_inside_the_client_folder(tmp_path, logo, setup, words):
    root = tmp_path / "acme"
    root.mkdir()
    setup(root)
    path = _config(root, f"name: A\nbranding: {{logo: {logo}}}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "branding.logo" in str(err.value) and all(w in str(err.value) for w in words), str(err.value)


def test_a_real_logo_passes(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "logo.png").write_bytes(PNG)
    (tmp_path / "raw" / "logo.svg").write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><use href="#a"/></svg>')
    assert load_config(_config(tmp_path, "name: A\nbranding: {logo: raw/logo.png}\n")).branding.logo == "raw/logo.png"
    assert load_config(_config(tmp_path, "name: A\nbranding: {logo: raw/logo.svg}\n")).branding.logo == "raw/logo.svg"


def test_a_floor_under_three_needs_an_explicit_allowance():
    with pytest.raises(ConfigError, match="allow_small_groups"):
        config_from_dict({"name": "A", "min_group_size": 1})
    assert config_from_dict({"name": "A", "min_group_size": 2, "allow_small_groups": True}).min_group_size == 2
    assert config_from_dict({"name": "A", "min_group_size": 3}).min_group_size == 3


def test_owners_and_prepared_by():
    cfg = config_from_dict({"name": "A", "prepared_by": " Jane Smith ", "owners": {"communities": "Community managers", "network": None}})
    assert cfg.prepared_by == "Jane Smith"
    assert cfg.owner("communities") == "Community managers" and cfg.owner("network") == "" and cfg.owner("people") == ""
    with pytest.raises(ValueError, match="unknown owner theme"):
        cfg.owner("comms")
    lines = client_template("Acme").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# prepared_by"))
    block = [line[2:] for line in lines[start:] if line.startswith("# ")][:8]  # prepared_by, leaders and the owners example
    cfg = config_from_dict({"name": "Acme", **yaml.safe_load("\n".join(block))})  # the commented example is valid once uncommented
    assert cfg.owner("adoption") == "Head of Internal Comms" and cfg.prepared_by == "Jane Smith, Example Consulting"
