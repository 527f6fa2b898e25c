#!/usr/bin/env bash
# Watches the deploy test's namespaces: neighbour entries (all namespaces), overflow messages, sshd reachability.
while true; do
  t=$(date +%T); load=$(cut -d' ' -f1 /proc/loadavg)
  nss=$(ip netns list | awk '{print $1}' | grep "^${PREFIX:-sk}")
  total=$(ip neigh show | wc -l); states=""
  for ns in $nss; do c=$(ip -n $ns neigh show | wc -l); total=$((total+c)); done
  allstates=$( (ip neigh show; for ns in $nss; do ip -n $ns neigh show; done) | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')
  ovf=$(dmesg | grep -c "table overflow")
  up=0; down=""; n=0
  for ns in $nss; do
    addr=$(ip -n $ns -4 -br addr | awk '$1 != "lo" {print $3}' | cut -d/ -f1)
    [ -z "$addr" ] && continue
    n=$((n+1))
    if timeout 2 bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null; then up=$((up+1)); else down="$down ${ns##*n}"; fi
  done
  procs=$(pgrep -fc "totoro.dll node" || true)
  echo "$t load=$load ns=$n neigh_total=$total [$allstates] overflow_msgs=$ovf sshd_reachable=$up/$n nodes=$procs unreachable:$down"
  sleep 15
done
