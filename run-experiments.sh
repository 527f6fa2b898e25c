#!/usr/bin/env bash
# Runs every experiment under experiments/ (a thin wrapper of `totoro experiment run`).
# Usage: ./run-experiments.sh [--quick] [other `experiment run` options]; results go to results/NAME/.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Totoro.Cli -c Release -v quiet -nologo
totoro=Totoro.Cli/bin/Release/net10.0/totoro.dll
start=$SECONDS
for file in experiments/*.yaml; do
    dotnet "$totoro" experiment run "$file" "$@"
done
echo "all experiments: $((SECONDS - start)) s"
