using System.Buffers.Binary;
using System.IO.Compression;
using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("totoro-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_images_and_labels_back_normalised(bool gzip)
    {
        byte[] pixels = Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 20)).ToArray();
        WriteFashionPair("t10k", Images(3, 2, 2, pixels), Labels([9, 0, 4]), gzip);

        Dataset data = IdxReader.LoadFashionMnist(_folder);

        Assert.Equal(3, data.Count);
        Assert.Equal(4, data.Dimensions);
        Assert.Equal(10, data.Classes);
        Assert.Equal([9, 0, 4], data.Labels);
        for (int i = 0; i < pixels.Length; i++)
            Assert.Equal(pixels[i] / 255f, data.Features[i]);
        Assert.All(data.Features, f => Assert.InRange(f, 0f, 1f));
    }

    [Fact]
    public void Missing_folder_names_the_debian_package()
    {
        string missing = Path.Combine(_folder, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => IdxReader.LoadFashionMnist(missing));
        Assert.Contains("dataset-fashion-mnist", e.Message, StringComparison.Ordinal);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        File.WriteAllBytes(Path.Combine(_folder, "t10k-images-idx3-ubyte"), Images(1, 1, 1, [0]));
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.LoadFashionMnist(_folder));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_body_is_reported_with_the_file(bool gzip)
    {
        byte[] full = Images(4, 2, 2, new byte[16]);
        string path = Write("images", full[..^3], gzip);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains("13", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        string path = Write("short", [0, 0, 8], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_type_and_rank_are_reported()
    {
        string notIdx = Write("text", "hello world"u8.ToArray(), gzip: false);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(notIdx)).Message, StringComparison.Ordinal);

        byte[] floats = Labels([1, 2]);
        floats[2] = 0x0D;
        string floatPath = Write("floats", floats, gzip: false);
        Assert.Contains("0x0D", Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(floatPath)).Message, StringComparison.Ordinal);

        string labelsAsImages = Write("labels", Labels([1, 2]), gzip: false);
        Assert.Contains("1 dimensions", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(labelsAsImages)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lying_header_is_refused_before_any_large_allocation()
    {
        // 10 M images of 4096 × 4096 would be 1.6e14 bytes: refused from the header alone.
        string huge = Write("huge", Header(3, IdxReader.MaxItems, IdxReader.MaxSide, IdxReader.MaxSide), gzip: true);
        Assert.Contains("more than", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(huge)).Message, StringComparison.Ordinal);

        // Negative and oversized counts.
        string negative = Write("negative", Header(1, -5), gzip: false);
        Assert.Contains("-5", Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(negative)).Message, StringComparison.Ordinal);

        // Plausible header, tiny body: the buffer only grows with bytes that really arrive.
        long before = GC.GetAllocatedBytesForCurrentThread();
        string lying = Write("lying", [.. Header(3, 1_000_000, 28, 28), 1, 2, 3], gzip: true);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(lying)).Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, "reading a lying header allocated more than 8 MB");
    }

    [Fact]
    public void Trailing_bytes_and_mismatched_counts_are_reported()
    {
        string trailing = Write("trailing", [.. Labels([1, 2]), 7], gzip: false);
        Assert.Contains("past", Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(trailing)).Message, StringComparison.Ordinal);

        WriteFashionPair("t10k", Images(2, 1, 1, [1, 2]), Labels([1, 2, 3]), gzip: false);
        Assert.Contains("3 labels", Assert.Throws<InvalidDataException>(() => IdxReader.LoadFashionMnist(_folder)).Message, StringComparison.Ordinal);

        WriteFashionPair("t10k", Images(1, 1, 1, [1]), Labels([12]), gzip: false);
        Assert.Contains("label 12", Assert.Throws<InvalidDataException>(() => IdxReader.LoadFashionMnist(_folder)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_gzip_names_the_file()
    {
        byte[] gz = Gzip(Labels(Enumerable.Range(0, 200).Select(i => (byte)(i % 10)).ToArray()));
        for (int i = 12; i < gz.Length - 8; i++)
            gz[i] ^= 0x5A;
        string path = Path.Combine(_folder, "corrupt.gz");
        File.WriteAllBytes(path, gz);
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Loads_the_real_fashion_mnist_test_set_when_installed()
    {
        Needs.FashionMnist();

        Dataset test = IdxReader.LoadFashionMnist();
        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, test.Dimensions);
        Assert.Equal(1000, test.Labels.Count(l => l == 3)); // the test set is balanced: 1,000 per class
        Assert.InRange(test.Features.Average(), 0.2, 0.4); // Fashion-MNIST's mean pixel is ≈ 0.286
    }

    [Fact]
    public void Cache_shares_one_copy_of_the_first_samples_between_apps()
    {
        byte[] pixels = Enumerable.Range(0, 5 * 2 * 2).Select(i => (byte)(i * 10)).ToArray();
        WriteFashionPair("train", Images(5, 2, 2, pixels), Labels([1, 2, 3, 4, 5]), gzip: false);
        Write("t10k-images-idx3-ubyte", Images(2, 2, 2, pixels[..8]), gzip: false);
        Write("t10k-labels-idx1-ubyte", Labels([6, 7]), gzip: false);
        var cache = new DatasetCache();

        (Dataset train, Dataset test) = cache.FashionMnist(_folder, 3, 0);
        (Dataset trainAgain, Dataset testAgain) = cache.FashionMnist(_folder, 3, 0);

        Assert.Same(train, trainAgain); // twenty apps, one copy
        Assert.Same(test, testAgain);
        Assert.Equal([1, 2, 3], train.Labels);
        Assert.Equal(pixels[..12].Select(p => p / 255f), train.Features);
        Assert.Equal([6, 7], test.Labels);
        Assert.Equal([1, 2, 3, 4], cache.FashionMnist(_folder, 4, 0).Train.Labels); // another head is its own copy
    }

    private void WriteFashionPair(string prefix, byte[] images, byte[] labels, bool gzip)
    {
        foreach (string old in Directory.GetFiles(_folder))
            File.Delete(old);
        Write($"{prefix}-images-idx3-ubyte", images, gzip);
        Write($"{prefix}-labels-idx1-ubyte", labels, gzip);
    }

    private string Write(string name, byte[] content, bool gzip)
    {
        string path = Path.Combine(_folder, gzip ? name + ".gz" : name);
        File.WriteAllBytes(path, gzip ? Gzip(content) : content);
        return path;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var memory = new MemoryStream();
        using (var zip = new GZipStream(memory, CompressionLevel.Fastest))
            zip.Write(content);
        return memory.ToArray();
    }

    private static byte[] Header(int rank, params int[] sizes)
    {
        var header = new byte[4 + (4 * sizes.Length)];
        header[2] = 0x08;
        header[3] = (byte)rank;
        for (int i = 0; i < sizes.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + (4 * i)), sizes[i]);
        return header;
    }

    private static byte[] Images(int count, int rows, int columns, byte[] pixels) => [.. Header(3, count, rows, columns), .. pixels];

    private static byte[] Labels(byte[] labels) => [.. Header(1, labels.Length), .. labels];
}
