"""Every committed config validates against the schema; bad configs fail with a clear message."""

from pathlib import Path

import jsonschema
import pytest
import yaml

from alma.config import resolve_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
CONFIGS = sorted(str(p.relative_to(REPO)) for p in [*REPO.glob("config/**/*.yaml"), *REPO.glob("tests/config/*.yaml")])


def merged(path: str) -> dict:
    """What Snakemake sees: a whole run config alone, an overlay over config/config.yaml."""
    return resolve_config([REPO / path], default=REPO / "config/config.yaml")


@pytest.mark.parametrize("path", CONFIGS)
def test_config_validates(path):
    jsonschema.validate(merged(path), SCHEMA)


def test_bad_value_is_rejected_with_its_path():
    config = merged("config/config.yaml")
    config["rounds"]["responses_per_prompt"] = 0
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(config, SCHEMA)
    assert list(info.value.absolute_path) == ["rounds", "responses_per_prompt"]


def test_no_absolute_paths_in_committed_yaml():
    for path in [*REPO.glob("config/**/*.yaml"), *REPO.glob("profiles/**/*.yaml"), *REPO.glob("tests/config/*.yaml")]:
        for line in path.read_text().splitlines():
            value = line.split("#")[0]
            assert not any(token.startswith(("/home", "/work", "/root", "/Users")) for token in value.split()), (
                f"{path}: {line}"
            )
