using Totoro.Core.Runtime;

namespace Totoro.Net.Transport;

/// <summary>
/// The envelope around everything on the wire: magic u8 | kind u8 | body. A node frame's body is
/// destination id 16 | source id 16 | the core codec's message; the other kinds carry UTF-8 JSON.
/// Several logical nodes share one socket, so the envelope names which of them a message is for and from.
/// </summary>
public static class Frame
{
    public const byte Magic = 0x7A;

    public const int NodeHeader = 2 + 16 + 16;

    /// <summary>
    /// Largest control frame body accepted: a status may carry the final model as JSON, about 12 bytes a float, so a
    /// CNN's 0.2 M parameters need 2.5 MB and ShuffleNet V2's 1.3 M about 16 MB.
    /// </summary>
    public const int MaxControlBytes = 32 << 20;

    /// <summary>Largest hello or reply accepted (its certificate with the longest name fits well within it).</summary>
    public const int MaxHandshakeBytes = 512;

    public static byte[] Node(NodeId destination, NodeId source, in Message message, IPeerDirectory directory)
    {
        var buffer = new byte[NodeHeader + MessageCodec.MaxEncodedSize(message)];
        buffer[0] = Magic;
        buffer[1] = (byte)FrameKind.Node;
        destination.WriteBytes(buffer.AsSpan(2));
        source.WriteBytes(buffer.AsSpan(18));
        int length = MessageCodec.Encode(message, directory, buffer.AsSpan(NodeHeader));
        return buffer.AsSpan(0, NodeHeader + length).ToArray();
    }

    public static byte[] Control(FrameKind kind, ReadOnlySpan<byte> json)
    {
        var buffer = new byte[2 + json.Length];
        buffer[0] = Magic;
        buffer[1] = (byte)kind;
        json.CopyTo(buffer.AsSpan(2));
        return buffer;
    }

    /// <summary>Reads the envelope; false with a reason for anything that is not one of ours.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out FrameKind kind, out string? error)
    {
        kind = 0;
        if (data.Length < 2)
            return Fail($"datagram of {data.Length} bytes is shorter than the frame header", out error);
        if (data[0] != Magic)
            return Fail($"frame magic 0x{data[0]:x2} is not 0x{Magic:x2}", out error);
        kind = (FrameKind)data[1];
        switch (kind)
        {
            case FrameKind.Node when data.Length < NodeHeader:
                return Fail($"node frame of {data.Length} bytes is shorter than its {NodeHeader}-byte header", out error);
            case FrameKind.Node:
                break;
            case FrameKind.Request or FrameKind.Response or FrameKind.Notice or FrameKind.SignedRequest when data.Length - 2 > MaxControlBytes:
                return Fail($"control frame of {data.Length} bytes exceeds {MaxControlBytes}", out error);
            case FrameKind.Request or FrameKind.Response or FrameKind.Notice or FrameKind.SignedRequest:
                break;
            case FrameKind.Hello or FrameKind.HelloReply when data.Length > MaxHandshakeBytes:
                return Fail($"handshake of {data.Length} bytes exceeds {MaxHandshakeBytes}", out error);
            case FrameKind.Hello or FrameKind.HelloReply or FrameKind.Sealed:
                break;
            default:
                return Fail($"unknown frame kind {data[1]}", out error);
        }

        error = null;
        return true;
    }

    private static bool Fail(string reason, out string? error)
    {
        error = reason;
        return false;
    }
}
