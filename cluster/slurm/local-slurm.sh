#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying the batch scripts here and for the
# tests: munged, slurmctld and slurmd, all with their configuration, state, sockets and logs in
# one folder, on ports of their own — nothing under /etc or /var is touched.
# Needs root and Debian's slurm-wlm and munge (`apt-get install slurm-wlm munge`); it installs
# neither. Starting takes a few seconds; the daemons use next to nothing while idle.
#
#   cluster/slurm/local-slurm.sh start DIR   starts the daemons; prints the line to source:
#                                            export SLURM_CONF=DIR/slurm.conf
#   cluster/slurm/local-slurm.sh stop DIR    stops the daemons started in DIR (safe to repeat)
#
# Settings (environment): CPUS (default: this machine's cores), SLURMCTLD_PORT and SLURMD_PORT
# (default: free ports chosen at random), CRED_EXPIRE (credential lifetime in seconds, which is
# also how long a requeued job waits to start again; default 10, Slurm's own is 120),
# READY_SECONDS (how long to wait for the node, 60).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
CPUS=${CPUS:-$(nproc)}
READY_SECONDS=${READY_SECONDS:-60}

# A TCP port nothing listens on (ss from iproute2).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

stop() {
  local name pid
  for name in slurmd slurmctld munged; do
    [ -f "$dir/$name.pid" ] || continue
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

start() {
  [ "$(id -u)" -eq 0 ] || { echo "error: local-slurm.sh needs root (the daemons run as root)" >&2; exit 1; }
  for program in munged mungekey slurmctld slurmd sinfo; do
    command -v "$program" >/dev/null || { echo "error: $program is not installed (apt-get install slurm-wlm munge)" >&2; exit 1; }
  done
  stop  # whatever an earlier start in this folder left running
  local node
  node=$(hostname -s)
  mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
  chmod 700 "$dir/munge"
  [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key"
  chmod 600 "$dir/munge/munge.key"
  cat >"$dir/slurm.conf" <<EOF
# Written by cluster/slurm/local-slurm.sh: a single-node cluster in $dir.
ClusterName=depthfarm-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${SLURMCTLD_PORT:-$(free_port)}
SlurmdPort=${SLURMD_PORT:-$(free_port)}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=${CRED_EXPIRE:-10}
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
KillWait=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  # Daemons get no terminal and none of our output streams: a caller reading our output to its
  # end must not wait for them.
  munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed" \
    </dev/null >>"$dir/munged.log" 2>&1
  export SLURM_CONF=$dir/slurm.conf
  slurmctld -f "$SLURM_CONF" </dev/null >>"$dir/slurmctld.log" 2>&1
  slurmd -f "$SLURM_CONF" </dev/null >>"$dir/slurmd.log" 2>&1
  local deadline=$((SECONDS + READY_SECONDS)) state=""
  while [ $SECONDS -lt $deadline ]; do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
    case "$state" in idle|mix|alloc) echo "export SLURM_CONF=$SLURM_CONF"; return 0 ;; esac
    sleep 0.5
  done
  echo "error: the local Slurm node did not become ready in ${READY_SECONDS} s (state: ${state:-none}); see $dir/*.log" >&2
  stop
  exit 1
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
