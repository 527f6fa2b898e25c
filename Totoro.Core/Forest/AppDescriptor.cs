using System.Buffers.Binary;
using System.Text;
using Totoro.Core.Rings;
using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// An app as every node that serves it must know it: its id, tree options, the names of its hooks and the bytes the
/// layer above attaches (a learning app's spec). It travels in the app's JOINs and replicas, so a node learns an app
/// from a message, never from a shared registry; each node binds the hook names to its own instances
/// (<see cref="ITreeHooks"/>).
/// </summary>
public sealed record AppDescriptor(
    NodeId Id,
    string Name,
    TreeOptions Options,
    IAggregationRule Rule,
    ICompression Compression,
    IChildSelector Selector)
{
    /// <summary>Largest encoded descriptor (bytes): a name, the options, three hook names and the app's own bytes.</summary>
    public const int MaxEncodedBytes = 16 << 10;

    private const byte Version = 1;
    private const int MaxText = 255;

    /// <summary>
    /// Global: the tree may span zones. ZoneLocal: the app is confined to the zone its id names (its creator's):
    /// its root is the zone's node closest to the id and its JOINs never leave the zone.
    /// </summary>
    public RouteScope Scope { get; init; } = RouteScope.Global;

    /// <summary>How each node shapes its part of the tree (Scribe's policy); bound by name like the other hooks.</summary>
    public ITreePolicy Policy { get; init; } = ShallowestFirstPolicy.Instance;

    /// <summary>What the layer above says of the app (opaque to the forest): a learning app's spec and seed.</summary>
    public byte[] Application { get; init; } = [];

    public static AppDescriptor Default(NodeId id, string name, int fanout)
        => new(id, name, new TreeOptions { Fanout = fanout }, WeightedSumRule.Instance, NoCompression.Instance, AllChildren.Instance);

    /// <summary>The built-in advertise–discover tree: every node knows it without being told.</summary>
    public static readonly AppDescriptor AdvertiseDiscover = Default(AppId.AdvertiseDiscover, "advertise-discover", 16);

    /// <summary>
    /// The descriptor on the wire: version u8 | id 16 | scope u8 | fanout u8 | replicas u8 | heartbeat, parent timeout,
    /// join timeout, round deadline, level margin i64 each | name, rule, compression, selector (u8 length + UTF-8 each) |
    /// application (u16 length + bytes) | the tree policy's name (u8 length + UTF-8), only when it is not the default.
    /// </summary>
    public byte[] Encode()
    {
        byte[] name = Text(Name), rule = Text(Rule.Name), compression = Text(Compression.Name), selector = Text(Selector.Name);
        byte[] policy = Policy is ShallowestFirstPolicy ? [] : Text(Policy.Name);
        if (Application.Length > MaxEncodedBytes - 128)
            throw new ArgumentException($"An app's own bytes are at most {MaxEncodedBytes - 128}, not {Application.Length}.");
        var bytes = new byte[1 + 16 + 3 + 40 + 4 + name.Length + rule.Length + compression.Length + selector.Length + 2 + Application.Length + (policy.Length > 0 ? 1 + policy.Length : 0)];
        bytes[0] = Version;
        Id.WriteBytes(bytes.AsSpan(1));
        bytes[17] = (byte)Scope;
        bytes[18] = (byte)Options.Fanout;
        bytes[19] = (byte)Options.Replicas;
        Span<byte> span = bytes;
        BinaryPrimitives.WriteInt64BigEndian(span[20..], Options.HeartbeatPeriodMicros);
        BinaryPrimitives.WriteInt64BigEndian(span[28..], Options.ParentTimeoutMicros);
        BinaryPrimitives.WriteInt64BigEndian(span[36..], Options.JoinTimeoutMicros);
        BinaryPrimitives.WriteInt64BigEndian(span[44..], Options.RoundDeadlineMicros);
        BinaryPrimitives.WriteInt64BigEndian(span[52..], Options.LevelMarginMicros);
        int at = 60;
        foreach (byte[] text in (byte[][])[name, rule, compression, selector])
        {
            bytes[at++] = (byte)text.Length;
            text.CopyTo(bytes, at);
            at += text.Length;
        }

        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)Application.Length);
        Application.CopyTo(bytes, at + 2);
        if (policy.Length > 0)
        {
            at += 2 + Application.Length;
            bytes[at] = (byte)policy.Length;
            policy.CopyTo(bytes, at + 1);
        }

        return bytes;
    }

    /// <summary>Total decoder: any bytes give a descriptor whose hooks <paramref name="hooks"/> bound, or a reason.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, ITreeHooks hooks, out AppDescriptor? descriptor, out string? error)
    {
        descriptor = null;
        if (bytes.Length < 66)
            return Fail($"app descriptor of {bytes.Length} bytes is shorter than 66", out error);
        if (bytes[0] != Version)
            return Fail($"app descriptor version {bytes[0]} is not supported", out error);
        NodeId id = NodeId.FromBytes(bytes[1..17]);
        if (bytes[17] > (byte)RouteScope.ZoneLocal)
            return Fail($"app descriptor scope {bytes[17]} is unknown", out error);
        var options = new TreeOptions
        {
            Fanout = bytes[18],
            Replicas = bytes[19],
            HeartbeatPeriodMicros = BinaryPrimitives.ReadInt64BigEndian(bytes[20..]),
            ParentTimeoutMicros = BinaryPrimitives.ReadInt64BigEndian(bytes[28..]),
            JoinTimeoutMicros = BinaryPrimitives.ReadInt64BigEndian(bytes[36..]),
            RoundDeadlineMicros = BinaryPrimitives.ReadInt64BigEndian(bytes[44..]),
            LevelMarginMicros = BinaryPrimitives.ReadInt64BigEndian(bytes[52..]),
        };
        if (options.Validate() is { Count: > 0 } problems)
            return Fail($"app descriptor options: {string.Join("; ", problems)}", out error);
        int at = 60;
        var texts = new string[4];
        for (int i = 0; i < texts.Length; i++)
        {
            if (!TryReadText(bytes, ref at, out texts[i]!, out error))
                return false;
        }

        if (bytes.Length - at < 2)
            return Fail("app descriptor ends before its application bytes", out error);
        int length = BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
        if (bytes.Length - at - 2 < length)
            return Fail($"app descriptor declares {length} application bytes but {bytes.Length - at - 2} remain", out error);
        byte[] application = bytes.Slice(at + 2, length).ToArray();
        at += 2 + length;
        string policy = ShallowestFirstPolicy.Instance.Name;
        if (at < bytes.Length && !TryReadText(bytes, ref at, out policy, out error))
            return false;
        if (at != bytes.Length)
            return Fail($"app descriptor has {bytes.Length - at} bytes after its tree policy", out error);
        if (policy.Length == 0)
            return Fail("app descriptor names an empty tree policy", out error);
        if (texts[0].Length == 0)
            return Fail("app descriptor has no name", out error);
        return hooks.TryBind(new AppDescriptor(id, texts[0], options, WeightedSumRule.Instance, NoCompression.Instance, AllChildren.Instance)
        {
            Scope = (RouteScope)bytes[17],
            Application = application,
        }, texts[1], texts[2], texts[3], policy, out descriptor, out error);
    }

    private static byte[] Text(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxText)
            throw new ArgumentException($"'{text}' is longer than {MaxText} bytes.");
        return bytes;
    }

    private static bool TryReadText(ReadOnlySpan<byte> bytes, ref int at, out string text, out string? error)
    {
        text = "";
        int length = bytes[at];
        if (bytes.Length - at - 1 < length)
            return Fail("app descriptor ends inside a name", out error);
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Slice(at + 1, length));
        }
        catch (DecoderFallbackException)
        {
            return Fail("app descriptor text is not valid UTF-8", out error);
        }

        at += 1 + length;
        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
