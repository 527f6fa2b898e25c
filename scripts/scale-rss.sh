#!/bin/bash
# Issue 20: samples the resident memory of a process's dotnet child (or of the process) every 5 s until it ends:
# lines "seconds-since-start MiB". Usage: scripts/scale-rss.sh PID > FILE
pid=$1; start=$(date +%s)
while kill -0 "$pid" 2> /dev/null; do
  target=$(pgrep -P "$pid" dotnet | head -1); target=${target:-$pid}
  kb=$(awk '/^VmRSS/ {print $2}' "/proc/$target/status" 2> /dev/null)
  [ -n "$kb" ] && echo "$(($(date +%s) - start)) $((kb / 1024))"
  sleep 5
done
