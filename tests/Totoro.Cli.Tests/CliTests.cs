using System.Text.Json.Nodes;

namespace Totoro.Cli.Tests;

public class CliTests
{
    [Theory]
    [InlineData("--nodes", "-5", "--nodes")]
    [InlineData("--nodes", "0", "--nodes")]
    [InlineData("--b", "9", "--b")]
    [InlineData("--b", "0", "--b")]
    [InlineData("--leaf-set", "7", "--leaf-set")]
    [InlineData("--lookups", "-1", "--lookups")]
    [InlineData("--nodes", "many", "--nodes")]
    [InlineData("--frobnicate", "1", "--frobnicate")]
    [InlineData("--topology", "mars", "--topology")]
    [InlineData("--zones", "0", "--zones")]
    [InlineData("--zones", "2000", "--zones")]
    [InlineData("--zone-local-fraction", "1.5", "--zone-local-fraction")]
    [InlineData("--zone-local-fraction", "-0.1", "--zone-local-fraction")]
    public void Bad_options_get_one_line_naming_the_option_and_exit_code_2(string option, string value, string named)
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", option, value);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(named, line);
    }

    [Fact]
    public void A_bad_sweep_list_is_a_usage_error()
    {
        (int code, _, string stderr) = TotoroProcess.Run("sweep", "--nodes", "100,abc", "--out", Path.GetTempPath());
        Assert.Equal(2, code);
        Assert.Contains("'abc'", stderr);
    }

    [Fact]
    public void The_same_seed_prints_identical_json_apart_from_wall_clock_fields()
    {
        string[] args = ["sim", "--nodes", "400", "--lookups", "300", "--seed", "9", "--json"];
        (int code1, string first, _) = TotoroProcess.Run(args);
        (int code2, string second, _) = TotoroProcess.Run(args);
        Assert.Equal(0, code1);
        Assert.Equal(0, code2);
        Assert.Equal(Deterministic(first), Deterministic(second));

        JsonNode report = JsonNode.Parse(first)!;
        Assert.Equal(300, (int)report["overlay"]!["correct"]!);
        Assert.Equal(400, (int)report["overlay"]!["nodes"]!);
        foreach (string field in new[] { "events", "wallSeconds", "eventsPerSecond", "peakMemoryBytes", "bytesPerNode" })
            Assert.NotNull(report["run"]![field]);
        foreach (string field in new[] { "delivered", "meanHops", "p99Hops", "maxHops", "meanLatencyMs", "meanStretch", "b", "lookups" })
            Assert.NotNull(report["overlay"]![field]);
    }

    [Fact]
    public void Progress_goes_to_stderr_beside_the_json_report_only_when_asked()
    {
        string[] args = ["sim", "--nodes", "300", "--lookups", "50", "--json"];
        (int code, string quiet, string quietErr) = TotoroProcess.Run(args);
        Assert.True(code == 0, quietErr);
        Assert.DoesNotContain("joining", quietErr);

        (code, string stdout, string stderr) = TotoroProcess.Run([.. args, "--progress"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(50, (int)JsonNode.Parse(stdout)!["overlay"]!["correct"]!); // the report alone on stdout
        Assert.Equal(Deterministic(quiet), Deterministic(stdout));
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("joining", StringComparison.Ordinal) && l.Contains("100.0%  300/300"));
        Assert.Contains(lines, l => l.StartsWith("lookups", StringComparison.Ordinal) && l.Contains("100.0%  50/50"));
        Assert.DoesNotContain('\r', stderr); // redirected: plain lines, a log
    }

    [Fact]
    public void A_zoned_sim_reports_zones_and_no_leaks()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--topology", "eua", "--nodes", "600", "--zones", "4", "--lookups", "400", "--json");
        Assert.True(code == 0, stderr);
        JsonNode report = JsonNode.Parse(stdout)!;
        JsonNode overlay = report["overlay"]!;
        Assert.Equal(4, (int)overlay["zones"]!);
        Assert.Equal(0, (int)overlay["zoneLeaks"]!);
        Assert.True((int)overlay["zoneLocalLookups"]! > 100);
        Assert.True((long)overlay["interZoneMessages"]! > 0);
        Assert.Equal("eua", (string)report["network"]!["topology"]!);
        JsonArray zones = report["rings"]!["zoneTable"]!.AsArray();
        Assert.Equal(4, zones.Count);
        Assert.Equal(600, zones.Sum(z => (int)z!["nodes"]!));
        Assert.All(zones, z => Assert.True((double)z!["diameterMs"]! > 0));
    }

    [Fact]
    public void Sweep_writes_one_csv_row_per_count_and_a_png()
    {
        string dir = Path.Combine(Path.GetTempPath(), "totoro-sweep-" + Guid.NewGuid().ToString("N"));
        (int code, string stdout, string stderr) = TotoroProcess.Run("sweep", "--nodes", "100,300", "--lookups", "200", "--out", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("sweep.csv", stdout);

        List<SweepRow> rows = SweepCsv.Read(Path.Combine(dir, "sweep.csv"));
        Assert.Equal([100, 300], rows.Select(r => r.Nodes));
        Assert.All(rows, r => Assert.Equal(200, r.Correct));
        Assert.All(rows, r => Assert.True(r.PeakMemoryBytes > 0));

        byte[] png = File.ReadAllBytes(Path.Combine(dir, "hops.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Directory.Delete(dir, recursive: true);
    }

    private static string Deterministic(string json)
    {
        JsonNode node = JsonNode.Parse(json)!;
        JsonObject run = node["run"]!.AsObject();
        foreach (string field in new[] { "wallSeconds", "eventsPerSecond", "peakMemoryBytes", "bytesPerNode" })
            Assert.True(run.Remove(field), $"run.{field} missing");
        return node.ToJsonString();
    }

    [Fact]
    public void A_forest_run_reports_every_tree_and_counts_each_delivery_once()
    {
        (int code, string stdout, string stderr) = TotoroProcess.Run("sim", "--nodes", "300", "--lookups", "0", "--apps", "3", "--subscribers-per-app", "40", "--model-bytes", "400", "--real-vectors", "--json");
        Assert.True(code == 0, stderr);
        JsonNode forest = JsonNode.Parse(stdout)!["forest"]!;
        Assert.Equal(3, forest["trees"]!.AsArray().Count);
        Assert.Equal(120, (int)forest["broadcastsDelivered"]!);
        Assert.Equal(0, (int)forest["duplicateDeliveries"]!);
        Assert.Equal(120, (long)forest["contributionsAggregated"]!);
        Assert.True((double)forest["maxAverageError"]! < 1e-5);
        foreach (JsonNode? tree in forest["trees"]!.AsArray())
        {
            Assert.Equal(40, (int)tree!["attached"]!);
            Assert.InRange((int)tree["maxChildren"]!, 1, 16);
            Assert.True((double)tree["disseminationMs"]! > 0);
            Assert.True((double)tree["aggregationMs"]! > 0);
        }

        foreach (string field in new[] { "rootsPerNode", "perNodeTrafficBytes", "controlMessages", "centralServerTrafficBytes" })
            Assert.NotNull(forest[field]);
    }

    [Theory]
    [InlineData("--subscribers-per-app", "5000", "--subscribers-per-app")]
    [InlineData("--fanout", "0", "--fanout")]
    [InlineData("--model-bytes", "-1", "--model-bytes")]
    [InlineData("--apps", "-2", "--apps")]
    [InlineData("--uplink-mbps", "0", "--uplink-mbps")]
    public void Bad_forest_options_are_usage_errors(string option, string value, string named)
    {
        (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "100", "--apps", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [SkippableFact]
    public void A_training_run_reports_every_round_with_every_worker_merged()
    {
        Needs.FashionMnist();

        string[] args = ["sim", "--nodes", "200", "--lookups", "0", "--subscribers-per-app", "20", "--clients-per-round", "0", "--rounds", "2", "--train-samples", "2000", "--test-samples", "500", "--json"];
        (int code, string stdout, string stderr) = TotoroProcess.Run(args);
        Assert.True(code == 0, stderr);
        JsonNode learning = JsonNode.Parse(stdout)!["learning"]!;

        // Another process, the same seed: the same training, round for round (no per-process hash seeds).
        (_, string again, _) = TotoroProcess.Run(args);
        Assert.Equal(learning.ToJsonString(), JsonNode.Parse(again)!["learning"]!.ToJsonString());
        Assert.Equal("real", (string)learning["mode"]!);
        Assert.Equal(20, (int)learning["workersPerApp"]!);
        JsonNode app = learning["perApp"]![0]!;
        JsonArray rounds = app["history"]!.AsArray();
        Assert.Equal(2, rounds.Count);
        Assert.All(rounds, r => Assert.Equal(20, (long)r!["contributions"]!));
        Assert.InRange((double)app["finalAccuracy"]!, 0.3, 1.0);
    }

    [SkippableFact]
    public void A_timing_run_replays_the_accuracy_curve_of_a_real_run_and_says_so()
    {
        Needs.FashionMnist();

        string dir = Path.Combine(Path.GetTempPath(), $"totoro-curve-{Guid.NewGuid():N}");
        try
        {
            string[] common = ["sim", "--nodes", "150", "--lookups", "0", "--subscribers-per-app", "20", "--rounds", "3", "--train-samples", "2000", "--test-samples", "500", "--json"];
            (int code, string real, string stderr) = TotoroProcess.Run([.. common, "--out", dir]);
            Assert.True(code == 0, stderr);
            string curve = Path.Combine(dir, "rounds.csv");
            Assert.True(File.Exists(curve));
            (code, string timed, stderr) = TotoroProcess.Run([.. common, "--train", "timing", "--accuracy-curve", curve]);
            Assert.True(code == 0, stderr);
            JsonNode realApp = JsonNode.Parse(real)!["learning"]!["perApp"]![0]!;
            JsonNode timing = JsonNode.Parse(timed)!["learning"]!;
            Assert.Equal("timing", (string)timing["mode"]!);
            Assert.Equal((double)realApp["finalAccuracy"]!, (double)timing["perApp"]![0]!["finalAccuracy"]!);
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_run_started_from_a_saved_model_continues_where_that_model_left_off()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"totoro-init-{Guid.NewGuid():N}");
        try
        {
            string[] common = ["sim", "--nodes", "200", "--lookups", "0", "--subscribers-per-app", "20", "--dataset", "synthetic", "--partition", "natural", "--json"];
            (int code, string trained, string stderr) = TotoroProcess.Run([.. common, "--rounds", "8", "--out", dir]);
            Assert.True(code == 0, stderr);
            string model = Path.Combine(dir, "model-app-0.bin");
            Assert.True(File.Exists(model), "sim --out writes each app's final model");

            (code, string resumed, stderr) = TotoroProcess.Run([.. common, "--rounds", "1", "--init-model", model]);
            Assert.True(code == 0, stderr);
            (code, string fresh, stderr) = TotoroProcess.Run([.. common, "--rounds", "1"]);
            Assert.True(code == 0, stderr);
            double Accuracy(string json) => (double)JsonNode.Parse(json)!["learning"]!["perApp"]![0]!["finalAccuracy"]!;

            // One round from 8 rounds' model is far ahead of one round from the seeded start.
            Assert.True(Accuracy(resumed) > Accuracy(fresh) + 0.2, $"resumed {Accuracy(resumed)}, fresh {Accuracy(fresh)}, trained {Accuracy(trained)}");

            string small = Path.Combine(dir, "small.bin");
            File.WriteAllBytes(small, [.. "TOTORO-MODEL\n"u8, 1, 3, 0, 0, 0, .. BitConverter.GetBytes(0.5), 1, 0, (byte)'x', 3, 0, 0, 0, .. new byte[12]]);
            (code, _, stderr) = TotoroProcess.Run([.. common, "--rounds", "1", "--init-model", small]);
            Assert.Equal(2, code);
            Assert.Equal("error: the starting model has 3 parameters; logreg on this data has 610", stderr.Trim());
        }
        finally
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_malformed_accuracy_curve_names_the_file_and_line_without_a_stack_trace()
    {
        string curve = Path.Combine(Path.GetTempPath(), $"totoro-bad-curve-{Guid.NewGuid():N}.csv");
        File.WriteAllText(curve, "round,accuracy\n1,0.5\n2,abc\n");
        try
        {
            (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "0", "--subscribers-per-app", "10", "--rounds", "2", "--dataset", "synthetic", "--partition", "natural", "--train", "timing", "--accuracy-curve", curve);
            Assert.Equal(1, code);
            Assert.Contains($"{curve}:3:", stderr);
            Assert.DoesNotContain("   at ", stderr);
        }
        finally
        {
            File.Delete(curve);
        }
    }

    [Theory]
    [InlineData("--system", "mesh", "--system must be one of totoro, central, star")]
    [InlineData("--rule", "fedsgd", "--rule must be one of")]
    [InlineData("--partition", "dirichlet:-1", "partition 'dirichlet:-1' is not one of")]
    [InlineData("--device-gflops", "8-1", "--device-gflops must be MIN-MAX")]
    public void Bad_learning_options_name_the_option(string option, string value, string message)
    {
        (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "0", "--subscribers-per-app", "10", "--rounds", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void A_missing_dataset_names_the_package_to_install()
    {
        (int code, _, string stderr) = TotoroProcess.Run("sim", "--nodes", "50", "--lookups", "0", "--subscribers-per-app", "10", "--rounds", "1", "--dataset-folder", "/nonexistent/fashion");
        Assert.Equal(1, code);
        Assert.Contains("dataset-fashion-mnist", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
