namespace DistGen.Grains.Placement;

/// <summary>
/// The cluster's one ledger of accelerators: how many each silo advertises and which worker holds which of them where
/// (device indices, so two workers on one silo never share a device).
/// Single-threaded, so two placements can never take the same free accelerator. Key: <see cref="Key"/>.
/// </summary>
public interface IAcceleratorLedgerGrain : IGrainWithStringKey
{
    public const string Key = "accelerators";

    /// <summary>Records that <paramref name="silo"/> offers <paramref name="count"/> accelerators; <paramref name="seenAt"/> is the membership version in which it is active.</summary>
    Task Register(SiloAddress silo, int count, MembershipVersion seenAt);

    /// <summary>
    /// Reserves <paramref name="count"/> accelerators for <paramref name="worker"/> on the candidate silo with the most free
    /// ones, the lowest free device indices there; null when none has enough.
    /// </summary>
    Task<SiloAddress?> Reserve(string worker, int count, SiloAddress[] candidates);

    /// <summary>The device indices <paramref name="worker"/> holds on <paramref name="silo"/>, lowest first; empty when it holds none there.</summary>
    Task<int[]> DevicesOf(string worker, SiloAddress silo);

    /// <summary>Frees what <paramref name="worker"/> holds on <paramref name="silo"/> (a reservation since moved elsewhere is kept).</summary>
    Task Release(string worker, SiloAddress silo);

    /// <summary>Every live silo that advertises accelerators, with how many are in use, in address order.</summary>
    Task<IReadOnlyList<SiloAcceleratorUse>> Silos();
}

/// <summary>One silo's accelerators as the ledger sees them.</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="Count">Accelerators it advertises.</param>
/// <param name="InUse">Accelerators reserved by workers placed on it.</param>
[GenerateSerializer, Immutable]
public sealed record SiloAcceleratorUse([property: Id(0)] SiloAddress Silo, [property: Id(1)] int Count, [property: Id(2)] int InUse)
{
    public int Free => Count - InUse;
}
