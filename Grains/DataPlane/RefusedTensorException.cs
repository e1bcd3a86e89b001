namespace DistGen.Grains.DataPlane;

/// <summary>
/// A tensor an actor received (or was about to send) is not what the protocol says: wrong shape, wrong element type
/// or non-finite values. The round (or substep) is repeated, and the job fails with this message if it keeps happening; the
/// tensor is never used.
/// </summary>
[GenerateSerializer]
public sealed class RefusedTensorException : Exception
{
    public RefusedTensorException(string message) : base(message) { }
}
