namespace DistGen.Grains.Artifacts;

/// <summary>What a valid download ticket lets its holder have: the file's first <see cref="Size"/> bytes, which hash to <see cref="Sha256"/>.</summary>
public readonly record struct ArtifactGrant(long Size, byte[] Sha256, DateTimeOffset Expires);
