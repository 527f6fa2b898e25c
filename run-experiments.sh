#!/usr/bin/env bash
# Runs the experiments under experiments/ (a thin wrapper of `totoro experiment run`).
# Usage: ./run-experiments.sh [--commit-results | --out DIR] [FILE.yaml ...] [--quick] [other `experiment run` options]
# Each experiment NAME writes into out/NAME/ (ignored by git); --out DIR writes DIR/NAME/ instead, and
# --commit-results (the same as --out results) replaces the committed results/NAME/. No FILE: every experiment.
set -euo pipefail
cd "$(dirname "$0")"
root=out
files=()
options=()
while (($#)); do
    case $1 in
        --commit-results) root=results ;;
        --out) root=${2:?--out needs a folder}; shift ;;
        *.yaml) files+=("$1") ;;
        *) options+=("$1") ;;
    esac
    shift
done
((${#files[@]})) || files=(experiments/*.yaml)
dotnet build Totoro.Cli -c Release -v quiet -nologo
totoro=Totoro.Cli/bin/Release/net10.0/totoro.dll
start=$SECONDS
for file in "${files[@]}"; do
    dotnet "$totoro" experiment run "$file" --out "$root/$(basename "$file" .yaml)" ${options[@]+"${options[@]}"}
done
echo "all experiments: $((SECONDS - start)) s, in $root/"
