using System.Collections.Concurrent;
using TorchSharp;

namespace DistGen.Training.Core;

/// <summary>
/// The one way training code hands a number to libtorch: as a <see cref="Scalar"/> whose lifetime the code decides.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns a double passed where a Scalar is expected (<c>t.mul_(0.999)</c>, <c>x * 0.5</c>, and
/// <c>a + b</c>, whose alpha is an implicit 1) into a temporary Scalar, reads its native handle and calls libtorch.
/// Nothing keeps the temporary alive across that call, so a garbage collection on another thread may run its finalizer
/// and free the native scalar while libtorch reads it ("Unknown scalar type" at random, worst under GC pressure).
/// Training code therefore never converts implicitly: constants come from <see cref="Constant(double)"/> (created once
/// and kept for the life of the process), values that change every step from <see cref="Owned(double)"/> in a <c>using</c>
/// declaration, which keeps the Scalar alive until the end of its block. <c>tests/DistGen.Tests/Training/TorchSafety</c>
/// fails the build's tests when code in Training or Grains makes a Scalar any other way or calls a TorchSharp method
/// that does so internally (its optimizers, <c>softplus</c>, <c>Tensor + Tensor</c>).
/// </remarks>
public static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();

    /// <summary>The integer 1: the alpha of a plain addition (<c>a.add(b, One)</c> is <c>a + b</c>).</summary>
    public static Scalar One { get; } = Constant(1L);

    /// <summary>
    /// A real constant, created on first use and kept for the life of the process. For literals and per-run settings
    /// only (a few distinct values): a value that changes every step would grow the cache; use <see cref="Owned(double)"/>.
    /// </summary>
    public static Scalar Constant(double value) => Reals.GetOrAdd(value, v => v.ToScalar());

    /// <summary>An integer constant, created on first use and kept for the life of the process (see <see cref="Constant(double)"/>).</summary>
    public static Scalar Constant(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>
    /// A Scalar for a value that changes from step to step (a learning rate, a bias correction). The caller owns it and
    /// must bind it with <c>using var</c>, so it outlives every libtorch call that reads it.
    /// </summary>
    public static Scalar Owned(double value) => value.ToScalar();

    /// <summary>An integer Scalar for a value that changes (a length); bind it with <c>using var</c> (see <see cref="Owned(double)"/>).</summary>
    public static Scalar Owned(long value) => value.ToScalar();
}
