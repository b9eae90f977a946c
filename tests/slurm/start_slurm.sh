#!/usr/bin/env bash
# Bring up a single-node Slurm cluster on localhost for the tests, as root, without systemd
# or cgroups (Debian 12: slurm-wlm 22.05, munge 0.5). Recipe and the traps behind each line:
# shared notes "slurm-containers-on-this-machine".
#
# Usage: SLURM_BASE=$(mktemp -d) FAKE_GPUS=2 NODE_CPUS=4 tests/slurm/start_slurm.sh
#        SLURM_BASE=... tests/slurm/stop_slurm.sh
# Knobs (environment):
#   SLURM_BASE     where config, state, logs and PID files live; pass a temp dir (default below)
#   FAKE_GPUS      GPU GRES count declared on the node, backed by dummy char devices (default 1; 0 = none)
#   FAKE_GPU_TYPE  optional GRES type (e.g. a100) so that `gpu_model` requests can be tested
#   NODE_CPUS      CPUs the node advertises; may exceed nproc so CI jobs overlap (default nproc)
#   MEM_MB         RealMemory of the node (default: physical memory minus 2 GiB)
# Idempotent: a cluster already running from the same SLURM_BASE with the same config is left as
# is; with a different config it is restarted. It refuses to replace a /etc/slurm/slurm.conf that
# is not a symlink made by this script, so a real Slurm installation is never clobbered.
set -euo pipefail
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${SLURM_BASE:-${TMPDIR:-/tmp}/alma-slurm}
NODE=localhost                      # the node name slurmd answers to (-N), whatever the hostname is
FAKE_GPUS=${FAKE_GPUS:-1}
FAKE_GPU_TYPE=${FAKE_GPU_TYPE:-}
NODE_CPUS=${NODE_CPUS:-$(nproc)}
MEM_MB=${MEM_MB:-$(( $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) - 2048 ))}

[ "$(id -u)" = 0 ] || { echo "start_slurm.sh: needs root (daemons run as SlurmUser=root)" >&2; exit 2; }
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)           # absolute: it ends up in slurm.conf and in symlinks

# Refuse to touch a Slurm config this script did not create.
if [ -e /etc/slurm/slurm.conf ] && [ ! -L /etc/slurm/slurm.conf ]; then
  echo "start_slurm.sh: /etc/slurm/slurm.conf is a real file (a Slurm installation?); not replacing it" >&2
  exit 3
fi
if [ -L /etc/slurm/slurm.conf ]; then
  other=$(dirname "$(dirname "$(readlink /etc/slurm/slurm.conf)")")
  if [ "$other" != "$BASE" ] && [ -s "$other/run/slurmctld.pid" ] && kill -0 "$(cat "$other/run/slurmctld.pid")" 2>/dev/null; then
    echo "start_slurm.sh: another test cluster is running from $other; stop it first" >&2
    exit 3
  fi
fi

# 1. packages (skipped when installed; the Debian postinst creates /etc/munge/munge.key)
PKGS="slurmctld slurmd slurm-client munge"
missing=$(for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || { echo "start_slurm.sh: missing $missing and no apt-get" >&2; exit 4; }
  # exit 4 on any apt failure (no network, locked dpkg): the pytest fixture skips on 4, fails otherwise
  apt-get update -qq || exit 4
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>"$BASE/apt.err" \
    || { cat "$BASE/apt.err" >&2; exit 4; }
fi
t_pkg=$(ms)

# 2. munge: reuse a running munged, else start one and remember that we did (stop_slurm.sh
# only stops a munged this script started).
mkdir -p "$BASE"/{etc,state,spool,log,run,dev} /etc/slurm
munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
[ -s /etc/munge/munge.key ] || { mungekey --create --force; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
install -d -o munge -g munge -m 0755 /run/munge
if ! munge_ok; then
  runuser -u munge -- /usr/sbin/munged          # daemonizes; PID in /run/munge/munged.pid
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  cp /run/munge/munged.pid "$BASE/run/munged.started"
fi
munge_ok || { echo "start_slurm.sh: munge does not work" >&2; exit 5; }

# 3. config, written to a temp file first so an unchanged running cluster can be kept
SLURM_CONF=$BASE/etc/slurm.conf
GRES_NODE=""; GRES_TYPES=""
gres_new=$BASE/etc/gres.conf.new; : > "$gres_new"
if [ "$FAKE_GPUS" -gt 0 ]; then
  GRES_NODE="Gres=gpu:${FAKE_GPU_TYPE:+$FAKE_GPU_TYPE:}$FAKE_GPUS"; GRES_TYPES="GresTypes=gpu"
  # Slurm 22.05 drops file-less GPU GRES, wants a character device and rejects the same file
  # twice: one /dev/null-like node (char 1,3) per fake GPU.
  { echo "AutoDetect=off"
    for i in $(seq 0 $((FAKE_GPUS - 1))); do
      [ -c "$BASE/dev/nvidia$i" ] || mknod "$BASE/dev/nvidia$i" c 1 3
      echo "NodeName=$NODE Name=gpu ${FAKE_GPU_TYPE:+Type=$FAKE_GPU_TYPE }File=$BASE/dev/nvidia$i"
    done
  } > "$gres_new"
fi
conf_new=$BASE/etc/slurm.conf.new
cat > "$conf_new" <<CONF
ClusterName=ci
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
# no cgroups here (no systemd, hybrid cgroup v1): track processes by /proc, bind nothing
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# snakemake's slurm plugin trusts squeue only when MinJobAge >= 3 x its init delay
MinJobAge=300
# without it a job lacking --mem gets the whole node and jobs run one at a time
DefMemPerCPU=1024
# lets CPUs= exceed the real core count so CI jobs overlap
SlurmdParameters=config_overrides
$GRES_TYPES
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NODE_CPUS Sockets=1 CoresPerSocket=$NODE_CPUS ThreadsPerCore=1 RealMemory=$MEM_MB $GRES_NODE State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$NODE Default=NO MaxTime=INFINITE State=UP
CONF

alive() { [ -s "$BASE/run/$1.pid" ] && kill -0 "$(cat "$BASE/run/$1.pid")" 2>/dev/null; }
if alive slurmctld && alive slurmd && cmp -s "$conf_new" "$SLURM_CONF" && cmp -s "$gres_new" "$BASE/etc/gres.conf" \
   && [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$SLURM_CONF" ]; then
  rm -f "$conf_new" "$gres_new"
  echo "slurm already up from $BASE"
  sinfo -o '%P %a %D %T %c %m %G'
  exit 0
fi
# A changed config or a half-dead cluster: stop what runs from this base (by PID file), restart.
for d in slurmd slurmctld; do
  if alive "$d"; then
    pid=$(cat "$BASE/run/$d.pid"); kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
done
mv "$conf_new" "$SLURM_CONF"
if [ -s "$gres_new" ]; then mv "$gres_new" "$BASE/etc/gres.conf"; else rm -f "$gres_new" "$BASE/etc/gres.conf"; fi
# Clients started inside jobs need the config at the compiled-in default path: snakemake's
# slurm-jobstep plugin strips every SLURM_* variable (SLURM_CONF too) before its nested srun,
# which then fails with "fetch_config: DNS SRV lookup failed".
ln -sfn "$SLURM_CONF" /etc/slurm/slurm.conf
if [ -f "$BASE/etc/gres.conf" ]; then
  ln -sfn "$BASE/etc/gres.conf" /etc/slurm/gres.conf
elif [ -L /etc/slurm/gres.conf ]; then
  rm -f /etc/slurm/gres.conf
fi

# 4. daemons (each daemonizes itself; PIDs land in $BASE/run/*.pid)
/usr/sbin/slurmctld -f "$SLURM_CONF" -c    # -c: clear job/node state of an earlier run
/usr/sbin/slurmd -f "$SLURM_CONF" -N "$NODE"

# 5. wait until the node is schedulable
st=""
for _ in $(seq 150); do
  st=$(sinfo -h -n "$NODE" -o %T 2>/dev/null | head -1 || true)
  case "$st" in idle|mixed|allocated) break;; esac
  sleep 0.2
done
case "$st" in
  idle|mixed|allocated) ;;
  *) echo "slurm node not usable (state '$st'); logs:" >&2; tail -n 20 "$BASE"/log/*.log >&2
     SLURM_BASE=$BASE bash "$HERE/stop_slurm.sh" >&2 || true; exit 1;;
esac
sinfo -o '%P %a %D %T %c %m %G'
t1=$(ms)
echo "slurm up from $BASE: packages $(( t_pkg - t0 ))ms, daemons $(( t1 - t_pkg ))ms, total $(( t1 - t0 ))ms"
