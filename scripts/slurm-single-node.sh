#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the sweep's Slurm tests
# and for trying `memlsm sweep slurm` without a real cluster.
#
#   scripts/slurm-single-node.sh up      # start munged, slurmctld, slurmd; wait until the node is idle
#   scripts/slurm-single-node.sh env     # print `export SLURM_CONF=…` for the client commands
#   scripts/slurm-single-node.sh status  # sinfo
#   scripts/slurm-single-node.sh down    # stop the three daemons
#
# Everything lives in one folder, $MEMLSM_SLURM_DIR (default
# /tmp/memlsm-slurm): configuration, munge key and socket, state, spool,
# logs. Nothing in /etc is touched, so the clients need SLURM_CONF (see
# `env`). It needs root (slurmd runs jobs as their submitting user) and the
# Debian packages slurm-wlm, slurm-client and munge (Slurm 22.05 on Debian
# 12). Choices that make it run in a container without systemd or cgroups:
# proctrack/linuxproc (process tracking by parent PID) and task/none (no
# CPU binding); select/cons_tres with CR_Core, so array tasks share the
# node's cores as on a real cluster. Accounting: there is no slurmdbd, so
# accounting_storage is none, and finished jobs are recorded by
# jobcomp/filetxt in $DIR/jobcomp.log, which `sacct --completion` reads
# (sacct's evidence that the array tasks ran); `scontrol show job` shows
# finished jobs for MinJobAge seconds as well.
set -euo pipefail

DIR="${MEMLSM_SLURM_DIR:-/tmp/memlsm-slurm}"
CTLD_PORT="${MEMLSM_SLURM_PORT:-6817}"
SLURMD_PORT=$((CTLD_PORT + 1))
HOST="$(hostname -s)"
CONF="$DIR/slurm.conf"

die() { echo "slurm-single-node: $*" >&2; exit 1; }

need() {
	for c in munged slurmctld slurmd sinfo sbatch; do
		command -v "$c" >/dev/null || die "$c not found: install the Debian packages slurm-wlm and munge"
	done
	[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their user)"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
	local cpus mem
	cpus="$(nproc)"
	mem="$(awk '/MemTotal/ {print int($2/1024*0.8)}' /proc/meminfo)"
	cat >"$CONF" <<EOF
# Written by scripts/slurm-single-node.sh: a one-node cluster for tests.
ClusterName=memlsm
SlurmctldHost=$HOST
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.log
MinJobAge=3600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
PlugStackConfig=$DIR/plugstack.conf
NodeName=$HOST CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
	: >"$DIR/plugstack.conf"
}

up() {
	need
	mkdir -p "$DIR"/{munge,state,spool}
	chmod 700 "$DIR/munge"
	if ! alive "$DIR/munged.pid"; then
		if [ ! -f "$DIR/munge/munge.key" ]; then
			dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
			chmod 400 "$DIR/munge/munge.key"
		fi
		munged --force --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
			--pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munged.seed"
	fi
	write_conf
	export SLURM_CONF="$CONF"
	if ! alive "$DIR/slurmctld.pid"; then
		slurmctld -c -f "$CONF" # -c: a clean start, no state from an earlier cluster
	fi
	if ! alive "$DIR/slurmd.pid"; then
		slurmd -f "$CONF"
	fi
	# Wait (bounded) until the node takes jobs.
	for _ in $(seq 60); do
		state="$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)"
		case "$state" in
		idle | mix | alloc) echo "slurm-single-node: up on $HOST ($DIR; export SLURM_CONF=$CONF)"; return 0 ;;
		down* | drain* | inval*) scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true ;;
		esac
		sleep 1
	done
	tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
	die "the node did not become idle within 60 s (logs above)"
}

down() {
	local f
	for f in slurmd slurmctld munged; do
		if alive "$DIR/$f.pid"; then
			kill "$(cat "$DIR/$f.pid")" 2>/dev/null || true
		fi
	done
	# Bounded wait for the daemons to go.
	for _ in $(seq 30); do
		alive "$DIR/slurmd.pid" || alive "$DIR/slurmctld.pid" || alive "$DIR/munged.pid" || { echo "slurm-single-node: down"; return 0; }
		sleep 0.5
	done
	die "daemons still running after 15 s"
}

case "${1:-}" in
up) up ;;
down) down ;;
env) echo "export SLURM_CONF=$CONF" ;;
status) SLURM_CONF="$CONF" sinfo ;;
*) die "usage: $0 up|down|env|status" ;;
esac
