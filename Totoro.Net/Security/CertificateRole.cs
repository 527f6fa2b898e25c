namespace Totoro.Net.Security;

/// <summary>What a certificate lets its holder do.</summary>
public enum CertificateRole : byte
{
    /// <summary>A host of the overlay: may join, route and serve apps with the logical nodes its certificate counts.</summary>
    Node = 1,

    /// <summary>A person or tool that may send signed control requests to any host from elsewhere than its loopback.</summary>
    Operator = 2,
}
