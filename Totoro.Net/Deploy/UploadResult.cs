namespace Totoro.Net.Deploy;

/// <summary>What one upload did: files in the build, files sent (the rest matched by size and SHA-256), bytes sent.</summary>
public sealed record UploadResult(int Files, int Sent, long BuildBytes, long SentBytes, TimeSpan Elapsed);
