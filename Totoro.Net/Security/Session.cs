using System.Buffers.Binary;
using System.Net;
using NSec.Cryptography;
using Totoro.Net.Transport;

namespace Totoro.Net.Security;

/// <summary>
/// One authenticated session with a peer host: a key each way, our index (the peer puts it on every sealed frame),
/// the peer's index, the peer's certificate and the ids it may use, a send counter and a replay window per channel
/// (datagrams and the reliable channel are sequenced apart, so a model stuck behind retransmits is never "too old").
/// Sealed frame: magic | kind | receiver index 4 | channel 1 | sequence 8 | ChaCha20-Poly1305(inner frame) with its
/// 16-byte tag; the nonce is channel 4 | sequence 8 and the 15 header bytes are the associated data.
/// </summary>
public sealed class Session : IDisposable
{
    public const int HeaderBytes = 2 + 4 + 1 + 8;
    public const int TagBytes = 16;

    /// <summary>What a sealed frame adds to the frame it carries.</summary>
    public const int Overhead = HeaderBytes + TagBytes;

    private readonly Key _send;
    private readonly Key _receive;
    private readonly ulong[] _sent = new ulong[2];
    private readonly ReplayWindow[] _windows = [new(), new()];

    public Session(uint localIndex, uint peerIndex, IPEndPoint peer, Certificate certificate, HashSet<UInt128> ids, Key send, Key receive, long createdMicros, long expiresMicros)
    {
        LocalIndex = localIndex;
        PeerIndex = peerIndex;
        Peer = peer;
        Certificate = certificate;
        Ids = ids;
        _send = send;
        _receive = receive;
        CreatedMicros = createdMicros;
        ExpiresMicros = expiresMicros;
    }

    public uint LocalIndex { get; }

    public uint PeerIndex { get; }

    public IPEndPoint Peer { get; }

    public Certificate Certificate { get; }

    /// <summary>The peer's node ids, zone prefix cleared (see <see cref="NodeIdentity.Mask"/>).</summary>
    public HashSet<UInt128> Ids { get; }

    public long CreatedMicros { get; }

    public long ExpiresMicros { get; }

    public long LastReceivedMicros { get; set; }

    /// <summary>Wraps <paramref name="frame"/> for the peer.</summary>
    public byte[] Seal(ReadOnlySpan<byte> frame, bool reliable)
    {
        int channel = reliable ? 1 : 0;
        ulong sequence = _sent[channel]++;
        var buffer = new byte[Overhead + frame.Length];
        buffer[0] = Frame.Magic;
        buffer[1] = (byte)FrameKind.Sealed;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(2), PeerIndex);
        buffer[6] = (byte)channel;
        BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(7), sequence);
        Span<byte> nonce = stackalloc byte[12];
        Nonce(channel, sequence, nonce);
        Handshake.Aead.Encrypt(_send, nonce, buffer.AsSpan(0, HeaderBytes), frame, buffer.AsSpan(HeaderBytes));
        return buffer;
    }

    /// <summary>The inner frame of a sealed one, or null: too short, unknown channel, replayed, or forged.</summary>
    public byte[]? Open(ReadOnlySpan<byte> sealedFrame, out SealRefusal refusal)
    {
        if (sealedFrame.Length < Overhead || sealedFrame[6] > 1)
        {
            refusal = SealRefusal.Malformed;
            return null;
        }

        int channel = sealedFrame[6];
        ulong sequence = BinaryPrimitives.ReadUInt64BigEndian(sealedFrame[7..]);
        if (!_windows[channel].CanAccept(sequence))
        {
            refusal = SealRefusal.Replayed;
            return null;
        }

        Span<byte> nonce = stackalloc byte[12];
        Nonce(channel, sequence, nonce);
        var plain = new byte[sealedFrame.Length - Overhead];
        if (!Handshake.Aead.Decrypt(_receive, nonce, sealedFrame[..HeaderBytes], sealedFrame[HeaderBytes..], plain))
        {
            refusal = SealRefusal.Forged;
            return null;
        }

        _windows[channel].Commit(sequence);
        refusal = SealRefusal.None;
        return plain;
    }

    private static void Nonce(int channel, ulong sequence, Span<byte> nonce)
    {
        BinaryPrimitives.WriteInt32BigEndian(nonce, channel);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], sequence);
    }

    public void Dispose()
    {
        _send.Dispose();
        _receive.Dispose();
    }
}

/// <summary>Why a sealed frame was not opened.</summary>
public enum SealRefusal
{
    None,
    Malformed,
    Replayed,
    Forged,
}
