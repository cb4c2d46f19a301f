#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, from Debian's slurm-wlm and munge, for the batch
# engine test (test/harness/slurm.test.ts): munged, slurmctld and slurmd as root, processes
# tracked by parent id (proctrack/linuxproc: no cgroups needed in a container), one node with
# this machine's CPUs, requeue allowed. `start` is idempotent and exits 1, saying why, where the
# daemons cannot start; `stop` ends them.
set -euo pipefail

host=$(hostname -s)
cpus=$(nproc)
mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024))
log=/var/log/slurm

up() { sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; }

case "${1:-start}" in
start)
  if up; then
    echo "slurm: already up on $host"
    exit 0
  fi
  for b in munged slurmctld slurmd sinfo; do
    command -v "$b" >/dev/null || { echo "slurm: $b not installed (apt-get install slurm-wlm munge)"; exit 1; }
  done
  [ "$(id -u)" = 0 ] || { echo "slurm: the daemons need root"; exit 1; }
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$log"
  [ -s /etc/munge/munge.key ] || head -c 1024 /dev/urandom >/etc/munge/munge.key
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
  pgrep -x munged >/dev/null || su -s /bin/sh munge -c /usr/sbin/munged
  cat >/etc/slurm/slurm.conf <<EOF
ClusterName=optrobust
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log/slurmctld.log
SlurmdLogFile=$log/slurmd.log
ReturnToService=2
JobRequeue=1
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd
  for _ in $(seq 60); do
    if up; then
      echo "slurm: up on $host ($cpus CPUs)"
      exit 0
    fi
    sleep 1
  done
  echo "slurm: the daemons did not come up; see $log/slurmctld.log and $log/slurmd.log"
  exit 1
  ;;
stop)
  scancel --full --user=root 2>/dev/null || true
  pkill -x slurmd || true
  pkill -x slurmctld || true
  pkill -x munged || true
  ;;
*)
  echo "usage: $0 start|stop"
  exit 2
  ;;
esac
