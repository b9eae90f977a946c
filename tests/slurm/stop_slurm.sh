#!/usr/bin/env bash
# Stop the localhost test cluster started by start_slurm.sh from the same SLURM_BASE.
# Kills only the daemons named in its PID files (munged only if start_slurm.sh started it)
# and removes only the /etc/slurm symlinks that point into SLURM_BASE. Safe to run twice.
set -u
BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/alma-slurm}
[ -d "$BASE" ] || exit 0
BASE=$(cd "$BASE" && pwd)

stop_pid() {  # stop_pid NAME PIDFILE: TERM, wait up to 10 s, then KILL
  local name=$1 f=$2 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  echo "stopped $name ($pid)"
}

# Jobs still running would outlive slurmd (their slurmstepd is not tracked by a PID file):
# cancel them through our own controller while it is up.
if [ -s "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null; then
  SLURM_CONF=$BASE/etc/slurm.conf scancel --full --quiet --user=root 2>/dev/null || true
  for _ in $(seq 50); do
    [ -z "$(SLURM_CONF=$BASE/etc/slurm.conf squeue -h -t R,CG 2>/dev/null)" ] && break; sleep 0.1
  done
fi
stop_pid slurmd "$BASE/run/slurmd.pid"
stop_pid slurmctld "$BASE/run/slurmctld.pid"
# munged keeps its own PID file; we only stop the one start_slurm.sh recorded as ours
if [ -s "$BASE/run/munged.started" ] && [ "$(cat /run/munge/munged.pid 2>/dev/null)" = "$(cat "$BASE/run/munged.started")" ]; then
  stop_pid munged /run/munge/munged.pid
fi
rm -f "$BASE/run/munged.started"
for f in /etc/slurm/slurm.conf /etc/slurm/gres.conf; do
  if [ -L "$f" ]; then case "$(readlink "$f")" in "$BASE"/*) rm -f "$f"; echo "removed link $f";; esac; fi
done
exit 0
