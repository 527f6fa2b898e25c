using NSec.Cryptography;
using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;
using Totoro.Net.Control;
using Totoro.Net.Security;

namespace Totoro.Cli;

/// <summary>An app creator's key on the client side: signs the claim on a submitted app and the request to stop it.</summary>
internal static class CreatorIdentity
{
    /// <summary>The creator key file: --key, else $TOTORO_KEY, else ~/.config/totoro/creator.key.</summary>
    public static string Path(FileInfo? option)
        => option?.FullName
            ?? Environment.GetEnvironmentVariable("TOTORO_KEY")
            ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "totoro", "creator.key");

    public static ControlRequest SignSubmit(ControlRequest request, string keyPath, ulong salt, bool create)
    {
        ArgumentNullException.ThrowIfNull(request);
        using Key key = Load(keyPath, create);
        byte[] creator = Keys.PublicBytes(key);
        NodeId app = AppId.Create(request.Spec!.Name, creator, salt);
        byte[] signature = Keys.Sign(key, AppOwnership.ClaimBytes(app, request.Spec, request.Seed));
        return request with { Creator = Convert.ToHexString(creator), Salt = salt, Signature = Convert.ToHexString(signature) };
    }

    public static ControlRequest SignStop(ControlRequest request, string keyPath, ulong salt)
    {
        ArgumentNullException.ThrowIfNull(request);
        using Key key = Load(keyPath, create: false);
        byte[] creator = Keys.PublicBytes(key);
        NodeId app = AppId.Create(request.Name!, creator, salt);
        return request with { AppId = app.ToString(), Creator = Convert.ToHexString(creator), Salt = salt, Signature = Convert.ToHexString(Keys.Sign(key, AppOwnership.StopBytes(app))) };
    }

    private static Key Load(string path, bool create)
    {
        if (File.Exists(path))
            return KeyFiles.LoadPrivate(path);
        if (!create)
            throw new UsageException($"no creator key at {path}: only an app's creator may stop it (pass the key it was submitted with as --key)");
        Key key = KeyFiles.LoadOrCreate(path);
        Console.Error.WriteLine($"made a creator key at {path}: keep it; only it can stop the apps you submit");
        return key;
    }
}
