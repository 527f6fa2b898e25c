# Runs every experiment under experiments/ (a thin wrapper of `totoro experiment run`).
# Usage: ./run-experiments.ps1 [--quick] [other `experiment run` options]; results go to results/NAME/.
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
dotnet build Totoro.Cli -c Release -v quiet -nologo
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$totoro = Join-Path 'Totoro.Cli' 'bin/Release/net10.0/totoro.dll'
$clock = [System.Diagnostics.Stopwatch]::StartNew()
foreach ($file in Get-ChildItem experiments -Filter *.yaml | Sort-Object Name) {
    dotnet $totoro experiment run (Join-Path 'experiments' $file.Name) @args
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
Write-Output "all experiments: $([int]$clock.Elapsed.TotalSeconds) s"
