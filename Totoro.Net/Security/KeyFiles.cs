using NSec.Cryptography;

namespace Totoro.Net.Security;

/// <summary>
/// Key files: one line, "totoro-key 1 BASE64" (an Ed25519 private key, readable by its owner only) or
/// "totoro-public-key 1 BASE64". Written whole or not at all.
/// </summary>
public static class KeyFiles
{
    private const string PrivatePrefix = "totoro-key 1 ";
    private const string PublicPrefix = "totoro-public-key 1 ";

    public static void SavePrivate(string path, Key key)
        => WriteAtomically(path, PrivatePrefix + Convert.ToBase64String(key.Export(KeyBlobFormat.RawPrivateKey)) + "\n", secret: true);

    public static void SavePublic(string path, ReadOnlySpan<byte> publicKey)
        => WriteAtomically(path, PublicPrefix + Convert.ToBase64String(publicKey) + "\n", secret: false);

    public static Key LoadPrivate(string path)
    {
        byte[] raw = Read(path, PrivatePrefix, "private key");
        if (!Key.TryImport(Keys.Signing, raw, KeyBlobFormat.RawPrivateKey, out Key? key, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }))
            throw new InvalidDataException($"{path}: not an Ed25519 private key");
        return key!;
    }

    /// <summary>A public key from a public-key file, or the public half of a private-key file.</summary>
    public static byte[] LoadPublic(string path)
    {
        string text = File.ReadAllText(path).Trim();
        if (text.StartsWith(PrivatePrefix, StringComparison.Ordinal))
        {
            using Key key = LoadPrivate(path);
            return Keys.PublicBytes(key);
        }

        byte[] raw = Read(path, PublicPrefix, "public key");
        if (raw.Length != Keys.PublicKeyBytes)
            throw new InvalidDataException($"{path}: a public key is {Keys.PublicKeyBytes} bytes, not {raw.Length}");
        return raw;
    }

    /// <summary>
    /// The private key at <paramref name="path"/>, made (and saved) first if the file does not exist. Writers that make it
    /// at the same moment (two first `app submit`s) take turns on a lock beside it, so all get the one saved first.
    /// </summary>
    public static Key LoadOrCreate(string path)
    {
        if (File.Exists(path))
            return LoadPrivate(path);
        using FileStream turn = Lock(path + ".lock");
        if (File.Exists(path))
            return LoadPrivate(path); // another writer saved one while this one waited: that one is the key
        Key key = Keys.CreateSigningKey();
        SavePrivate(path, key);
        return key;
    }

    /// <summary>
    /// An exclusive lock on <paramref name="lockPath"/> (an advisory lock on Unix: the kernel drops it when its process
    /// dies, so a crash leaves no stale lock), waited for up to 10 s; released when disposed.
    /// </summary>
    private static FileStream Lock(string lockPath)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(lockPath));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        long deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(5); // held by another writer (or a passing fault: the last one is reported below)
            }
            catch (IOException e)
            {
                throw new IOException($"{lockPath}: not locked in 10 s: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Writes the file whole or not at all: a temporary file of this writer's own (writers at once never share one, nor
    /// delete each other's), then renamed over <paramref name="path"/>.
    /// </summary>
    internal static void WriteAtomically(string path, string text, bool secret)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        string temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (secret && !OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // gone once moved; left by a failed write or move otherwise
        }
    }

    /// <summary>The bytes of a one-line "PREFIX BASE64" file; a clear exception naming the file otherwise.</summary>
    internal static byte[] Read(string path, string prefix, string what)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such {what} file");
        string text = File.ReadAllText(path).Trim();
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: not a totoro {what} file");
        try
        {
            return Convert.FromBase64String(text[prefix.Length..]);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"{path}: the {what} is not base64");
        }
    }
}
