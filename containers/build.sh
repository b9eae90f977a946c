#!/usr/bin/env bash
# Build the role images (cpu, train, vllm, eval, analysis) from containers/Dockerfile.<role>.
#
#   containers/build.sh cpu                                  # docker (or podman) build -> alma-cpu:<git sha>
#   containers/build.sh --sif cpu                            # ... then convert to build/sif/cpu.sif (apptainer)
#   containers/build.sh --push ghcr.io/alma-harness cpu      # ... then push and print the digest for images.yaml
#   containers/build.sh --base localhost/debian-py:bookworm --wheelhouse wheels/ cpu   # no registry, no index
#
# Options:
#   --engine docker|podman  container engine (default: docker if its daemon answers, else podman)
#   --base IMAGE            base image (the Dockerfiles default to a digest-pinned python:3.11-slim-bookworm);
#                           a machine without registry access passes a locally built or imported one
#   --wheelhouse DIR        install the lock from these wheels only (pip --no-index): an offline build
#   --network MODE          network of the build's RUN steps (e.g. host), passed to the engine
#   --sif                   also write build/sif/<role>.sif, gitignored (needs apptainer)
#   --push REPO             tag as REPO/<role>:<version>, push, print `<role>: docker://...@sha256:...`
# The build context is a temp dir holding only envs/<role>.txt, pyproject.toml, README.md, src/ and
# wheels/: the repository's .venv, results and caches never reach the engine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ROLES="cpu train vllm eval analysis"

engine="" base="" wheelhouse="" network="" sif=0 push=""
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift 2;;
    --base) base=$2; shift 2;;
    --wheelhouse) wheelhouse=$(cd "$2" && pwd); shift 2;;
    --network) network=$2; shift 2;;
    --sif) sif=1; shift;;
    --push) push=$2; shift 2;;
    -h|--help) usage 0;;
    -*) echo "unknown option $1" >&2; usage;;
    *) break;;
  esac
done
[ $# -gt 0 ] || usage
for role in "$@"; do
  case " $ROLES " in *" $role "*) ;; *) echo "unknown role '$role' (roles: $ROLES)" >&2; exit 2;; esac
done

if [ -z "$engine" ]; then
  if docker info >/dev/null 2>&1; then engine=docker; elif command -v podman >/dev/null; then engine=podman
  else echo "no container engine: start dockerd or install podman" >&2; exit 3; fi
fi
# The docker CLI without the buildx plugin refuses BuildKit builds; fall back to the classic builder.
if [ "$engine" = docker ] && ! docker buildx version >/dev/null 2>&1; then export DOCKER_BUILDKIT=0; fi

# The version names the source: the commit, marked when the tree has local changes.
version=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo dev)

for role in "$@"; do
  t0=$(date +%s)
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/envs" "$ctx/wheels"
  cp "$REPO/envs/$role.txt" "$ctx/envs/"
  cp "$REPO/pyproject.toml" "$ctx/"
  # pyproject.toml names README.md as the package readme; an empty one keeps a fresh checkout buildable
  if [ -f "$REPO/README.md" ]; then cp "$REPO/README.md" "$ctx/"; else : > "$ctx/README.md"; fi
  tar -C "$REPO" --exclude='__pycache__' --exclude='*.egg-info' -cf - src | tar -C "$ctx" -xf -
  [ -z "$wheelhouse" ] || cp "$wheelhouse"/*.whl "$ctx/wheels/"

  args=(build -f "$HERE/Dockerfile.$role" -t "alma-$role:$version"
        --label "org.opencontainers.image.version=$version"
        --label "alma.lock.sha256=$(sha256sum "$REPO/envs/$role.txt" | cut -d' ' -f1)")
  [ -z "$base" ] || args+=(--build-arg "BASE_IMAGE=$base")
  [ -z "$wheelhouse" ] || args+=(--build-arg PIP_NO_INDEX=1)
  [ -z "$network" ] || args+=(--network "$network")
  "$engine" "${args[@]}" "$ctx"
  rm -rf "$ctx"; trap - EXIT
  echo "built alma-$role:$version in $(( $(date +%s) - t0 ))s"

  if [ "$sif" = 1 ]; then
    t0=$(date +%s)
    mkdir -p "$REPO/build/sif"
    tarball=$(mktemp --suffix=.tar)
    "$engine" save -o "$tarball" "alma-$role:$version"
    apptainer build --force "$REPO/build/sif/$role.sif" "docker-archive://$tarball"
    rm -f "$tarball"
    echo "wrote build/sif/$role.sif in $(( $(date +%s) - t0 ))s"
  fi

  if [ -n "$push" ]; then
    "$engine" tag "alma-$role:$version" "$push/$role:$version"
    "$engine" push "$push/$role:$version"
    digest=$("$engine" image inspect --format '{{index .RepoDigests 0}}' "$push/$role:$version")
    echo "$role: docker://$digest"
  fi
done
