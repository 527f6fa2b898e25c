namespace Totoro.Net.Transport;

/// <summary>What a datagram carries, the byte after the frame magic.</summary>
public enum FrameKind : byte
{
    /// <summary>A protocol message for one logical node: destination id, source id, then the core codec's bytes.</summary>
    Node = 1,

    /// <summary>A control request from a client (the `totoro app` command, a test) to a host: JSON.</summary>
    Request = 2,

    /// <summary>A host's answer to a control request: JSON.</summary>
    Response = 3,

    /// <summary>Host to host: an answer to a probe routed through the overlay (a lookup result, an app's status): JSON.</summary>
    Notice = 4,

    /// <summary>Host to host: the first message of a session handshake (see <c>Security.Handshake</c>).</summary>
    Hello = 5,

    /// <summary>Host to host: the answer to a hello, which completes the session.</summary>
    HelloReply = 6,

    /// <summary>Host to host: a frame sealed with a session's key (authenticated, encrypted, sequenced).</summary>
    Sealed = 7,

    /// <summary>A control request signed by an operator's certificate (accepted from anywhere; see <c>Control.SignedRequest</c>).</summary>
    SignedRequest = 8,
}
