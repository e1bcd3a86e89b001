using DistGen.Grains.Security;

namespace DistGen.Tests.Grains.Security;

/// <summary>A caller proof opens one method of one grain, for a few minutes, for the holder of the certificate's key.</summary>
public sealed class CallerProofTests
{
    private static readonly GrainId Registry = GrainId.Create("jobregistry", "registry");
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static bool Read(string proof, GrainId target, string method, DateTimeOffset now, out string problem)
    {
        var ok = CallerProof.TryRead(proof, target, "IJobRegistryGrain", method, now, out var signer, out problem);
        signer?.Dispose();
        return ok;
    }

    [Fact]
    public void A_proof_holds_for_its_call_and_names_the_certificate_that_signed()
    {
        using var viewer = TlsCluster.Load("viewer");
        var proof = CallerProof.Create(viewer.Own, Registry, "IJobRegistryGrain", "List", Now);

        Assert.True(CallerProof.TryRead(proof, Registry, "IJobRegistryGrain", "List", Now.AddMinutes(4), out var signer, out var problem), problem);
        using (signer) Assert.Equal(viewer.Own.Thumbprint, signer!.Thumbprint);
    }

    [Fact]
    public void A_proof_does_not_open_another_method_another_grain_or_another_time()
    {
        using var operatorCertificates = TlsCluster.Load("operator");
        var proof = CallerProof.Create(operatorCertificates.Own, Registry, "IJobRegistryGrain", "List", Now);

        Assert.False(Read(proof, Registry, "Submit", Now, out var problem));
        Assert.Contains("signature does not match", problem);
        Assert.False(Read(proof, GrainId.Create("jobregistry", "other"), "List", Now, out problem));
        Assert.Contains("signature does not match", problem);
        Assert.False(Read(proof, Registry, "List", Now + CallerProof.Lifetime + TimeSpan.FromSeconds(2), out problem));
        Assert.Contains("from the silo's clock", problem);
        Assert.False(Read(proof, Registry, "List", Now - CallerProof.Lifetime - TimeSpan.FromSeconds(2), out problem));
        Assert.Contains("from the silo's clock", problem);
        // A time written into the proof is signed too: moving it forward breaks the signature.
        var parts = proof.Split('.');
        parts[2] = (Now.ToUnixTimeSeconds() + 600).ToString();
        Assert.False(Read(string.Join('.', parts), Registry, "List", Now.AddMinutes(10), out problem));
        Assert.Contains("signature does not match", problem);
    }

    [Theory]
    [InlineData(null, "carries no caller proof")]
    [InlineData("", "malformed")]
    [InlineData("v1.AAAA.1.AAAA.extra", "malformed")]
    [InlineData("v2.AAAA.1764331200.AAAA", "malformed")]
    [InlineData("v1.not base64!.1764331200.AAAA", "malformed")]
    [InlineData("v1.AAAA.-5.AAAA", "malformed")]
    [InlineData("v1.AAAA.99999999999999999999.AAAA", "malformed")]
    [InlineData("v1.AAAA.1764331200.AAAA", "certificate cannot be read")]
    public void Malformed_proofs_are_refused_with_a_named_problem(string? proof, string expected)
    {
        Assert.False(CallerProof.TryRead(proof, Registry, "IJobRegistryGrain", "List", DateTimeOffset.FromUnixTimeSeconds(1764331200), out var signer, out var problem));
        Assert.Null(signer);
        Assert.Contains(expected, problem);
    }
}
