#!/usr/bin/env bash
# The README's three-host example, submitted the moment the hosts start, N times.
cd "$(dirname "$0")/.." && dotnet build Totoro.Cli -c Release -v quiet -nologo >/dev/null
T="dotnet Totoro.Cli/bin/Release/net10.0/totoro.dll"
logs=$(mktemp -d)
N=${1:-20}
clean=0; short=0; failed=0
for i in $(seq $N); do
  base=$((18000 + i * 10))
  $T node --listen 127.0.0.1:$((base+1)) --logical-nodes 4 > $logs/h0.$i.log 2>&1 & p0=$!
  $T node --listen 127.0.0.1:$((base+2)) --bootstrap 127.0.0.1:$((base+1)) --logical-nodes 4 > $logs/h1.$i.log 2>&1 & p1=$!
  $T node --listen 127.0.0.1:$((base+3)) --bootstrap 127.0.0.1:$((base+1)) --logical-nodes 4 > $logs/h2.$i.log 2>&1 & p2=$!
  start=$SECONDS
  until $T app submit --via 127.0.0.1:$((base+2)) --name demo --dataset synthetic --partition natural --workers 12 --rounds 5 --clients-per-round 6 > $logs/submit.$i.log 2>&1; do sleep 0.2; done
  $T app watch --via 127.0.0.1:$((base+3)) demo --timeout 180 > $logs/watch.$i.log 2>&1; code=$?
  case $code in 0) clean=$((clean+1));; 3) short=$((short+1));; *) failed=$((failed+1));; esac
  echo "run $i: exit $code in $((SECONDS - start)) s: $(tail -1 $logs/watch.$i.log)"
  kill $p0 $p1 $p2; wait $p0 $p1 $p2 2>/dev/null
done
echo "$N runs: $clean merged every selected update in every round, $short reported a shortfall (exit 3), $failed failed"
