# Runs the experiments under experiments/ (a thin wrapper of `totoro experiment run`).
# Usage: ./run-experiments.ps1 [--commit-results | --out DIR] [FILE.yaml ...] [--quick] [other `experiment run` options]
# Each experiment NAME writes into out/NAME/ (ignored by git); --out DIR writes DIR/NAME/ instead, and
# --commit-results (the same as --out results) replaces the committed results/NAME/. No FILE: every experiment.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$root = 'out'
$files = @()
$options = @()
for ($i = 0; $i -lt $args.Count; $i++) {
    if ($args[$i] -eq '--commit-results') { $root = 'results' }
    elseif ($args[$i] -eq '--out') { $i++; if ($i -ge $args.Count) { throw '--out needs a folder' }; $root = $args[$i] }
    elseif ($args[$i] -like '*.yaml') { $files += $args[$i] }
    else { $options += $args[$i] }
}
if ($files.Count -eq 0) { $files = Get-ChildItem experiments -Filter *.yaml | Sort-Object Name | ForEach-Object { Join-Path 'experiments' $_.Name } }
dotnet build Totoro.Cli -c Release -v quiet -nologo
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$totoro = Join-Path 'Totoro.Cli' 'bin/Release/net10.0/totoro.dll'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($file in $files) {
    dotnet $totoro experiment run $file --out (Join-Path $root ([System.IO.Path]::GetFileNameWithoutExtension($file))) @options
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
Write-Output "all experiments: $([int]$clock.Elapsed.TotalSeconds) s, in $root/"
