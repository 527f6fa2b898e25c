using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>A world plus FL apps on its forest: `totoro sim --apps …`'s options in camelCase.</summary>
internal class ForestParameters : WorldParameters
{
    public ForestParameters() => Lookups = 0;

    public int Apps { get; set; } = 1;

    public int SubscribersPerApp { get; set; } = 100;

    /// <summary>Every node subscribes to every app (the paper's Fig. 6c trees span all N nodes).</summary>
    public bool AllSubscribe { get; set; }

    public int ModelBytes { get; set; } = 160 * 1024;

    /// <summary>Tree fanout bound; 0 means 2^b.</summary>
    public int Fanout { get; set; }

    public bool ConfineApps { get; set; }

    public int RoundDeadlineMs { get; set; }

    /// <summary>How many of each root's leaf-set neighbours hold a replica of its model (the tree's default: 3).</summary>
    public int Replicas { get; set; } = new Core.Forest.TreeOptions().Replicas;

    protected override ForestSimConfig? SizedForest() => ToForestConfig();

    public ForestSimConfig ToForestConfig() => new()
    {
        Apps = Apps,
        SubscribersPerApp = AllSubscribe ? Nodes : SubscribersPerApp,
        ModelBytes = ModelBytes,
        Fanout = Fanout,
        ConfineToZone = ConfineApps,
        RoundDeadlineMs = RoundDeadlineMs,
        TreeTimers = Replicas == new Core.Forest.TreeOptions().Replicas ? null : new Core.Forest.TreeOptions { Replicas = Replicas },
    };

    /// <summary>The forest's problems, and one more if the kind (which needs EUA sites for <paramref name="why"/>) got another topology.</summary>
    public List<string> ValidateOnEua(string kind, string why)
    {
        var problems = new List<string>(ValidateForest());
        if (Topology != "eua")
            problems.Add($"kind {kind} {why}: 'topology' must be eua (got '{Topology}')");
        return problems;
    }

    public IReadOnlyList<string> ValidateForest()
    {
        var problems = new List<string>(ValidateWorld());
        if (Apps < 1)
            problems.Add($"'apps' must be at least 1 (got {Apps})");
        if (problems.Count == 0)
            problems.AddRange(ToForestConfig().Validate(Nodes).Select(YamlKeys));
        return problems;
    }
}
