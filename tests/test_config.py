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
