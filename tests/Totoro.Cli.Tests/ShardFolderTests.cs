using System.Buffers.Binary;
using System.Net;
using Totoro.Core.Learning;
using Totoro.Net.Control;

namespace Totoro.Cli.Tests;

/// <summary>`totoro node --shard-dir`: a host's workers train on the data it was given, not on the root's partition.</summary>
public class ShardFolderTests
{
    private const string FashionMnist = IdxReader.DefaultFolder;

    [SkippableFact]
    public void Hosts_given_only_one_class_of_images_train_a_model_that_sees_only_that_class()
    {
        Needs.FashionMnist();

        // Each host's folder holds 300 T-shirts (class 0) and nothing else: trained on them, the model calls every test
        // image a T-shirt, right about one time in ten; trained on the root's partition it would be right most times.
        string folder = Directory.CreateTempSubdirectory("totoro-shard-").FullName;
        WriteClassOnly(folder, label: 0, count: 300);

        using var nodes = new NodeProcesses();
        int port = TestPorts.Udp();
        IPEndPoint first = nodes.Start(new IPEndPoint(IPAddress.Loopback, port), 2, null, null, "--ping-period-ms", "1000", "--shard-dir", folder);
        nodes.Start(new IPEndPoint(IPAddress.Loopback, TestPorts.Udp()), 2, first, null, "--ping-period-ms", "1000", "--shard-dir", folder);
        using (var client = new ControlClient(IPAddress.Loopback))
            nodes.WaitUntilJoined(client, TimeSpan.FromSeconds(30));

        var submit = TotoroProcess.Run("app", "submit", "--via", first.ToString(), "--name", "tshirts", "--dataset", "fashion-mnist", "--workers", "4",
            "--test-samples", "1000", "--rounds", "3", "--clients-per-round", "0", "--start-after", "5", "--round-deadline-ms", "20000");
        Assert.True(submit.ExitCode == 0, submit.Stderr + nodes.Logs());
        var watch = TotoroProcess.Run("app", "watch", "--via", first.ToString(), "tshirts", "--timeout", "120", "--json");
        Assert.True(watch.ExitCode == 0, watch.Stdout + watch.Stderr + nodes.Logs());
        AppStatus status = System.Text.Json.JsonSerializer.Deserialize<AppStatus>(watch.Stdout.Trim().Split('\n')[^1], ControlJson.Options)!;
        Assert.Equal((3, 0), (status.Round, status.ShortRounds));
        Assert.InRange(status.Accuracy, 0.0, 0.2);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void A_shard_folder_that_is_missing_or_holds_no_idx_files_is_one_line()
    {
        var missing = TotoroProcess.Run("node", "--listen", "127.0.0.1:0", "--shard-dir", "/nonexistent-shard");
        Assert.Equal((2, "error: --shard-dir: folder /nonexistent-shard does not exist"), (missing.ExitCode, missing.Stderr.Trim()));
        string empty = Directory.CreateTempSubdirectory("totoro-empty-shard-").FullName;
        var none = TotoroProcess.Run("node", "--listen", "127.0.0.1:0", "--shard-dir", empty);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("holds neither train-images-idx3-ubyte", none.Stderr);
        Assert.Single(none.Stderr.Trim().Split('\n'));
        Directory.Delete(empty);
    }

    /// <summary>Writes the first <paramref name="count"/> training images of one class as a shard folder's IDX files.</summary>
    private static void WriteClassOnly(string folder, int label, int count)
    {
        IdxImages images = IdxReader.ReadImages(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz") is var gz && File.Exists(gz) ? gz : Path.Combine(FashionMnist, "train-images-idx3-ubyte"));
        byte[] labels = IdxReader.ReadLabels(Path.Combine(FashionMnist, "train-labels-idx1-ubyte.gz") is var lz && File.Exists(lz) ? lz : Path.Combine(FashionMnist, "train-labels-idx1-ubyte"));
        int size = images.Rows * images.Columns;
        int[] picked = [.. Enumerable.Range(0, labels.Length).Where(i => labels[i] == label).Take(count)];

        var imageFile = new byte[16 + (picked.Length * size)];
        BinaryPrimitives.WriteInt32BigEndian(imageFile, 0x0803);
        BinaryPrimitives.WriteInt32BigEndian(imageFile.AsSpan(4), picked.Length);
        BinaryPrimitives.WriteInt32BigEndian(imageFile.AsSpan(8), images.Rows);
        BinaryPrimitives.WriteInt32BigEndian(imageFile.AsSpan(12), images.Columns);
        for (int k = 0; k < picked.Length; k++)
            images.Pixels.AsSpan(picked[k] * size, size).CopyTo(imageFile.AsSpan(16 + (k * size)));
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), imageFile);

        var labelFile = new byte[8 + picked.Length];
        BinaryPrimitives.WriteInt32BigEndian(labelFile, 0x0801);
        BinaryPrimitives.WriteInt32BigEndian(labelFile.AsSpan(4), picked.Length);
        labelFile.AsSpan(8).Fill((byte)label);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), labelFile);
    }
}
