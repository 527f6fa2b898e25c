namespace Totoro.Cli.Soak;

/// <summary>One row of soak.csv: the whole run every few seconds (lookup and app counts are cumulative).</summary>
[CsvHelper.CsvRecord]
internal sealed partial record SoakTimelineRow(
    double Seconds,
    int HostsUp,
    int HostsDown,
    int HostsCut,
    int Lookups,
    int LookupsCorrect,
    int LookupsWrong,
    int LookupsFailed,
    int AppsTraining,
    int AppsFinished,
    int Rounds,
    int MasterMoves,
    int AppsLost);

/// <summary>One row of soak-hosts.csv: a host's state, starts, CPU seconds and resident memory at a moment.</summary>
[CsvHelper.CsvRecord]
internal sealed partial record SoakHostSample(double Seconds, int Host, string State, int Starts, double CpuSeconds, double RssMiB);
