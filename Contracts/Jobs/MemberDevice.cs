namespace DistGen.Contracts.Jobs;

/// <summary>Where one member of a job computes: the silo it is active on and the device it built its models on.</summary>
/// <param name="Member">The member as status names it: "worker 0", "generator 1", "discriminator 1", "actor 2".</param>
/// <param name="Silo">Its silo's address.</param>
/// <param name="Device">Its device: "cpu", or "cuda:i" for the accelerator the ledger gave it on that silo.</param>
[GenerateSerializer, Immutable]
public sealed record MemberDevice([property: Id(0)] string Member, [property: Id(1)] string Silo, [property: Id(2)] string Device);
