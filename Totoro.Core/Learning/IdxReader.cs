using System.Buffers.Binary;
using System.IO.Compression;

namespace Totoro.Core.Learning;

/// <summary>
/// Reads IDX files (the MNIST/Fashion-MNIST format: magic 0x0000 0x08 rank, big-endian int32 sizes, then unsigned
/// bytes), gzip-compressed or plain. Every header field is checked before it sizes anything, and the body is read
/// into a buffer that grows only as bytes really arrive, so a lying header cannot make us allocate gigabytes.
/// Errors are <see cref="InvalidDataException"/> naming the file and the problem.
/// </summary>
public static class IdxReader
{
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>No real image set comes near this; it bounds what a header may ask for.</summary>
    public const int MaxItems = 10_000_000;

    public const int MaxSide = 4096;

    /// <summary>Largest body we agree to read (bytes): the 60,000-image training set is 47 MB.</summary>
    public const long MaxBodyBytes = 1L << 30;

    private const int UnsignedByteType = 0x08;

    /// <summary>Loads Fashion-MNIST's training (60,000) or test (10,000) split with pixels scaled to [0, 1].</summary>
    public static Dataset LoadFashionMnist(string? folder = null, bool train = false)
    {
        folder ??= DefaultFolder;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Fashion-MNIST folder '{folder}' does not exist. Install Debian's '{DebianPackage}' package (apt-get install {DebianPackage}), which puts the IDX files in {DefaultFolder}, or pass the folder that holds them.");
        string prefix = train ? "train" : "t10k";
        string images = Locate(folder, $"{prefix}-images-idx3-ubyte");
        string labels = Locate(folder, $"{prefix}-labels-idx1-ubyte");
        return Load(images, labels, classes: 10);
    }

    /// <summary>Reads an image file and a label file into a data set; the counts must agree.</summary>
    public static Dataset Load(string imagesPath, string labelsPath, int classes)
    {
        IdxImages images = ReadImages(imagesPath);
        byte[] labelBytes = ReadLabels(labelsPath);
        if (labelBytes.Length != images.Count)
            throw new InvalidDataException($"'{labelsPath}' has {labelBytes.Length} labels but '{imagesPath}' has {images.Count} images.");
        int dimensions = images.Rows * images.Columns;
        var features = new float[images.Pixels.Length];
        for (int i = 0; i < features.Length; i++)
            features[i] = images.Pixels[i] / 255f;
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labelBytes[i] >= classes)
                throw new InvalidDataException($"'{labelsPath}': label {labelBytes[i]} at item {i} is outside 0..{classes - 1}.");
            labels[i] = labelBytes[i];
        }

        return new Dataset(features, labels, dimensions, classes);
    }

    public static IdxImages ReadImages(string path)
    {
        (int[] sizes, byte[] body) = Read(path, expectedRank: 3);
        return new IdxImages(sizes[0], sizes[1], sizes[2], body);
    }

    public static byte[] ReadLabels(string path) => Read(path, expectedRank: 1).Body;

    private static (int[] Sizes, byte[] Body) Read(string path, int expectedRank)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        try
        {
            using FileStream file = File.OpenRead(path);
            using Stream stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
            Span<byte> head = stackalloc byte[4];
            ReadHeader(stream, head, path, "the 4-byte magic number");
            if (head[0] != 0 || head[1] != 0)
                throw new InvalidDataException($"'{path}' is not an IDX file: its magic number starts {head[0]:X2} {head[1]:X2}, not 00 00.");
            if (head[2] != UnsignedByteType)
                throw new InvalidDataException($"'{path}': element type 0x{head[2]:X2} is not unsigned bytes (0x08).");
            if (head[3] != expectedRank)
                throw new InvalidDataException($"'{path}' has {head[3]} dimensions; expected {expectedRank} ({(expectedRank == 3 ? "images" : "labels")}).");

            var sizes = new int[expectedRank];
            long bodyBytes = 1;
            for (int i = 0; i < expectedRank; i++)
            {
                ReadHeader(stream, head, path, $"size {i}");
                int size = BinaryPrimitives.ReadInt32BigEndian(head);
                int limit = i == 0 ? MaxItems : MaxSide;
                if (size < 0 || size > limit || (i > 0 && size == 0))
                    throw new InvalidDataException($"'{path}': size {i} is {size}, outside the accepted 0..{limit}.");
                sizes[i] = size;
                bodyBytes *= size;
            }

            if (bodyBytes > MaxBodyBytes)
                throw new InvalidDataException($"'{path}': the header asks for {bodyBytes} bytes, more than the {MaxBodyBytes} accepted.");
            return (sizes, ReadBody(stream, (int)bodyBytes, path));
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            // GZipStream's own complaint (a corrupt stream) does not say which file.
            throw new InvalidDataException($"'{path}' is corrupt: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"'{path}' could not be read: {e.Message}", e);
        }
    }

    private static byte[] ReadBody(Stream stream, int expected, string path)
    {
        // Grows with the data actually present (MemoryStream doubling), capped one byte past what the header claims
        // so that trailing garbage is noticed without reading it all.
        using var body = new MemoryStream(Math.Min(expected, 1 << 20));
        var chunk = new byte[81920];
        long limit = (long)expected + 1;
        while (body.Length < limit)
        {
            int read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, limit - body.Length));
            if (read == 0)
                break;
            body.Write(chunk, 0, read);
        }

        if (body.Length < expected)
            throw new InvalidDataException($"'{path}' is truncated: the header promises {expected} data bytes but only {body.Length} follow.");
        if (body.Length > expected)
            throw new InvalidDataException($"'{path}' has data past the {expected} bytes its header describes.");
        return body.ToArray();
    }

    private static void ReadHeader(Stream stream, Span<byte> into, string path, string what)
    {
        int total = 0;
        while (total < into.Length)
        {
            int read = stream.Read(into[total..]);
            if (read == 0)
                throw new InvalidDataException($"'{path}' is truncated: it ends inside the header ({what}).");
            total += read;
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private static string Locate(string folder, string name)
    {
        foreach (string candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
                return path;
        }

        throw new FileNotFoundException($"'{folder}' holds neither {name}.gz nor {name}. Debian's '{DebianPackage}' package installs them in {DefaultFolder}.", Path.Combine(folder, name + ".gz"));
    }
}
