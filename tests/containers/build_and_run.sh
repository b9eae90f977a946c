#!/usr/bin/env bash
# Build the cpu role image for real on a machine without registry access, convert it for Apptainer,
# run one rule of the mini workflow in it with `--sdm apptainer`, and compare the output with a
# host run of the same rule. Root only (it starts dockerd and uses mount namespaces); Debian.
#
#   tests/containers/build_and_run.sh [WORK]     # WORK defaults to /tmp/alma-containers; reused when
#                                                # it exists (base rootfs, wheels, sid rootfs are cached)
# Steps, each timed (the last line is a summary that tests/containers/test_build_and_run.py reads):
#   1. dockerd (Debian's docker.io) started by hand: no systemd here, no iptables, no bridge
#   2. a bookworm base (python3, python3-venv) made with debootstrap and imported into docker
#   3. a wheelhouse of envs/cpu.txt made with the host's pip, so the build needs no index at all
#   4. containers/build.sh --base <that base> --wheelhouse <wheels> --network none cpu
#   5. apptainer from a Debian sid rootfs (bookworm has none), entered through pivot_root
#   6. docker save -> apptainer build cpu.sif docker-archive://...
#   7. the rule RULE_TARGET in a copy of the repository: once on the host, once in cpu.sif; sha256 equal
# Recipes and the traps behind them: shared notes "slurm-containers-on-this-machine".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${1:-/tmp/alma-containers}          # short: dockerd's exec-root holds unix sockets (108-byte limit)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PYTHON=${PYTHON:-$REPO/.venv/bin/python}  # the host venv (make venv): pip for the wheels, snakemake
RULE_TARGET=${RULE_TARGET:-results/test/seed/sft.jsonl}   # output of build_seed_sft, a cpu-role rule
CONFIG=tests/config/config.yaml

[ "$(id -u)" = 0 ] || { echo "build_and_run.sh: needs root" >&2; exit 2; }
command -v apt-get >/dev/null || { echo "build_and_run.sh: needs apt-get (Debian)" >&2; exit 2; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
declare -A T
step() { T[$1]=$(( $(date +%s) - t0 )); echo "== $1: ${T[$1]}s"; t0=$(date +%s); }
t0=$(date +%s); start=$t0

# -- 0. host packages -------------------------------------------------------------------------
need=""
for p in docker.io debootstrap; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
step packages

# -- 1. dockerd by hand ---------------------------------------------------------------------------
D=$WORK/docker
mkdir -p "$D"
export DOCKER_HOST=unix://$D/docker.sock
# docker's default ulimits ask for more than root's capability set allows here (no CAP_SYS_RESOURCE)
if ! { [ -s "$D/dockerd.pid" ] && kill -0 "$(cat "$D/dockerd.pid")" 2>/dev/null; }; then
  setsid /usr/sbin/dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/dockerd.pid" \
    -H "$DOCKER_HOST" --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 \
    --default-ulimit nofile=1024:1024 --default-ulimit nproc=32768:32768 >"$D/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 100); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
fi
docker info >/dev/null || { tail -20 "$D/dockerd.log" >&2; exit 3; }
stop_dockerd() { [ -s "$D/dockerd.pid" ] && kill "$(cat "$D/dockerd.pid")" 2>/dev/null || true; }
trap stop_dockerd EXIT
step dockerd

# -- 2. a bookworm base with python3 --------------------------------------------------------------
BASE_TAG=localhost/alma-base:bookworm
if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  if [ ! -x "$WORK/base/usr/bin/python3" ]; then
    rm -rf "$WORK/base"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$WORK/base" "$MIRROR" \
      >"$WORK/debootstrap-base.log" 2>&1
  fi
  tar -C "$WORK/base" -c . | docker import - "$BASE_TAG" >/dev/null
fi
step base_image

# -- 3. wheelhouse: every wheel of envs/cpu.txt, sdists built into wheels on the host ----------------
if [ ! -f "$WORK/wheels/.complete" ] || ! cmp -s "$REPO/envs/cpu.txt" "$WORK/wheels/.complete"; then
  rm -rf "$WORK/wheels"
  "$PYTHON" -m pip wheel -q --no-deps -r "$REPO/envs/cpu.txt" -w "$WORK/wheels" 2>&1 | grep -v "^WARNING: Location" || true
  cp "$REPO/envs/cpu.txt" "$WORK/wheels/.complete"
fi
step wheelhouse

# -- 4. the image, offline -------------------------------------------------------------------------
"$REPO/containers/build.sh" --engine docker --base "$BASE_TAG" --wheelhouse "$WORK/wheels" --network none cpu \
  >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; exit 4; }
IMAGE=$(sed -n 's/^built \(alma-cpu:[^ ]*\) in .*/\1/p' "$WORK/build.log")
docker run --rm --network none "$IMAGE" python -c "import alma, torch, snakemake; print('in image: torch', torch.__version__)"
docker run --rm --network none "$IMAGE" id -u | grep -qx 1000
step image_build

# -- 5. apptainer from Debian sid, entered with pivot_root ------------------------------------------
SID=$WORK/sid
if [ ! -x "$SID/usr/bin/apptainer" ]; then
  rm -rf "$SID"
  debootstrap --variant=minbase --include=apptainer,ca-certificates,squashfs-tools sid "$SID" "$MIRROR" \
    >"$WORK/debootstrap-sid.log" 2>&1
  cp /etc/hosts "$SID/etc/hosts"                      # apptainer build reads it
  # root here lacks CAP_SYS_RESOURCE; apptainer's default "full" capability set then fails to start
  sed -i 's/^root default capabilities = .*/root default capabilities = no/' "$SID/etc/apptainer/apptainer.conf"
fi
# sid_exec CMD: run CMD in the sid rootfs, with WORK at the same path, from the same directory.
# A plain chroot is refused by apptainer ("weak chrooted environment"), hence pivot_root.
cat > "$WORK/sid_exec" <<EOF
#!/bin/bash
exec unshare -m -p -f /bin/bash -c '
  set -e
  mount --make-rprivate /
  mount --bind "$SID" "$SID"
  mount -t proc proc "$SID/proc"
  mount --rbind /sys "$SID/sys"
  mount --rbind /dev "$SID/dev"
  mount -t tmpfs tmpfs "$SID/tmp"
  mkdir -p "$SID$WORK"
  mount --bind "$WORK" "$SID$WORK"   # not --rbind: it would copy the mounts made above into it
  mkdir -p "$SID/.oldroot"
  cd "$SID"
  pivot_root . .oldroot
  umount -l /.oldroot
  cd "\$0" 2>/dev/null || cd /     # a directory outside WORK does not exist in there
  exec "\$@"
' "\$PWD" "\$@"
EOF
mkdir -p "$WORK/bin"
# the rootfs's own binary by absolute path: WORK/bin is on PATH in there too
printf '#!/bin/sh\nexec %s /usr/bin/apptainer "$@"\n' "$WORK/sid_exec" > "$WORK/bin/apptainer"
chmod +x "$WORK/sid_exec" "$WORK/bin/apptainer"
PATH=$WORK/bin:$PATH apptainer --version
step apptainer_setup

# -- 6. OCI image -> SIF ----------------------------------------------------------------------------
# squashing ~2.5 GB takes minutes: convert again only when the image changed
image_id=$(docker image inspect --format '{{.Id}}' "$IMAGE")
if [ ! -s "$WORK/cpu.sif" ] || [ "$(cat "$WORK/cpu.sif.id" 2>/dev/null)" != "$image_id" ]; then
  rm -f "$WORK/cpu.tar" "$WORK/cpu.sif" "$WORK/cpu.sif.id"
  docker save -o "$WORK/cpu.tar" "$IMAGE"
  PATH=$WORK/bin:$PATH apptainer build "$WORK/cpu.sif" "docker-archive://$WORK/cpu.tar" >"$WORK/sif.log" 2>&1 \
    || { tail -30 "$WORK/sif.log" >&2; exit 6; }
  rm -f "$WORK/cpu.tar"
  echo "$image_id" > "$WORK/cpu.sif.id"
fi
# the rules' `alma` must be the image's, not the host venv's
PATH=$WORK/bin:$PATH apptainer exec "$WORK/cpu.sif" bash -c 'command -v alma' | grep -qx /opt/alma/venv/bin/alma
step sif_build

# -- 7. one rule on the host and in the image ----------------------------------------------------------
copy_repo() {
  rm -rf "$1" && mkdir -p "$1"
  tar -C "$REPO" --exclude=./.venv --exclude=./.git --exclude=./results --exclude=./.snakemake --exclude=./logs \
      --exclude=./benchmarks --exclude=./build --exclude='__pycache__' -cf - . | tar -C "$1" -xf -
}
PATH=$(dirname "$PYTHON"):$PATH   # `alma`, the console script the rules call
export PATH
copy_repo "$WORK/run-host"
(cd "$WORK/run-host" && "$PYTHON" -m snakemake "$RULE_TARGET" --cores 1 --configfile "$CONFIG" >"$WORK/run-host.log" 2>&1) \
  || { tail -30 "$WORK/run-host.log" >&2; exit 7; }
step host_run

copy_repo "$WORK/run-sif"
# the copy's images.yaml names the local SIF for the cpu role (snakemake uses a local path as is)
sed -i "s|^  cpu: .*|  cpu: $WORK/cpu.sif|" "$WORK/run-sif/containers/images.yaml"
mkdir -p "$WORK/cache" "$WORK/xdg"
# snakemake binds its source cache (XDG_CACHE_HOME) into the container: it must exist in the sid rootfs
(cd "$WORK/run-sif" && PATH=$WORK/bin:$PATH XDG_CACHE_HOME=$WORK/xdg "$PYTHON" -m snakemake "$RULE_TARGET" --cores 1 \
   --configfile "$CONFIG" --sdm apptainer --apptainer-args "--bind $WORK/cache:/cache" \
   >"$WORK/run-sif.log" 2>&1) || { tail -30 "$WORK/run-sif.log" >&2; exit 8; }
grep -q "Activating singularity image $WORK/cpu.sif\|Activating apptainer image $WORK/cpu.sif" "$WORK/run-sif.log" \
  || { echo "the rule did not run in $WORK/cpu.sif" >&2; exit 8; }
step apptainer_run

h_host=$(sha256sum "$WORK/run-host/$RULE_TARGET" | cut -d' ' -f1)
h_sif=$(sha256sum "$WORK/run-sif/$RULE_TARGET" | cut -d' ' -f1)
echo "host $h_host"; echo "sif  $h_sif"
[ "$h_host" = "$h_sif" ] || { echo "outputs differ" >&2; exit 9; }
summary="SUMMARY ok image=$IMAGE sif_mb=$(( $(stat -c %s "$WORK/cpu.sif") / 1048576 ))"
for k in packages dockerd base_image wheelhouse image_build apptainer_setup sif_build host_run apptainer_run; do
  summary="$summary $k=${T[$k]}s"
done
echo "$summary total=$(( $(date +%s) - start ))s"
