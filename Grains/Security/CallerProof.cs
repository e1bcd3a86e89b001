using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DistGen.Grains.Security;

/// <summary>
/// What a client's grain call carries on a TLS cluster to show who makes it: the client's certificate and its signature,
/// made with the certificate's private key, over the target grain, the method and the time. Orleans does not tell a
/// grain which connection (and so which TLS certificate) a call came through, so the call itself must say. A proof
/// opens one method of one grain for <see cref="Lifetime"/>; it travels only inside TLS, so a viewer never sees an
/// operator's. Made by <see cref="CallerProofStamp"/>, checked by <see cref="ClientApiFilter"/>.
/// </summary>
public static class CallerProof
{
    /// <summary>The request-context key of the proof.</summary>
    public const string Key = "distgen-caller";

    /// <summary>How far a proof's time may lie from the silo's clock, either way (clocks of a cluster drift a little).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private const string Version = "v1";

    /// <summary>A proof for calling <paramref name="method"/> of <paramref name="interfaceName"/> on <paramref name="target"/> now.</summary>
    public static string Create(X509Certificate2 own, GrainId target, string interfaceName, string method, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        var signed = SignedText(target, interfaceName, method, seconds);
        byte[] signature;
        if (own.GetECDsaPrivateKey() is { } ecdsa)
            using (ecdsa) signature = ecdsa.SignData(signed, HashAlgorithmName.SHA256);
        else if (own.GetRSAPrivateKey() is { } rsa)
            using (rsa) signature = rsa.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        else
            throw new InvalidOperationException("the client certificate has no ECDSA or RSA private key to sign its calls with");
        return string.Join('.', Version, Convert.ToBase64String(own.RawData), seconds.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(signature));
    }

    /// <summary>
    /// Reads <paramref name="presented"/> and checks its time and its signature for this call. On success,
    /// <paramref name="certificate"/> is the certificate that signed, not yet checked against the cluster's CA.
    /// </summary>
    public static bool TryRead(object? presented, GrainId target, string interfaceName, string method, DateTimeOffset now,
        out X509Certificate2? certificate, out string problem)
    {
        certificate = null;
        if (presented is not string text)
        {
            problem = "the call carries no caller proof (a client of a TLS cluster signs each call: use distgen, or stamp calls as Grains/Security/CallerProofStamp.cs does)";
            return false;
        }
        var parts = text.Split('.');
        if (parts.Length != 4 || parts[0] != Version
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || TryDecode(parts[1]) is not { } raw || TryDecode(parts[3]) is not { } signature)
        {
            problem = "the caller proof is malformed";
            return false;
        }
        var skew = now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        if (skew.Duration() > Lifetime)
        {
            problem = $"the caller proof was made {skew.TotalSeconds:F0} s from the silo's clock, more than the {Lifetime.TotalSeconds:F0} s allowed (check the clocks)";
            return false;
        }
        X509Certificate2 signer;
        try
        {
            signer = X509CertificateLoader.LoadCertificate(raw);
        }
        catch (CryptographicException)
        {
            problem = "the caller proof's certificate cannot be read";
            return false;
        }
        if (!SignatureHolds(signer, SignedText(target, interfaceName, method, seconds), signature))
        {
            signer.Dispose();
            problem = "the caller proof's signature does not match its certificate and this call";
            return false;
        }
        certificate = signer;
        problem = "";
        return true;
    }

    private static bool SignatureHolds(X509Certificate2 signer, byte[] signed, byte[] signature)
    {
        try
        {
            if (signer.GetECDsaPublicKey() is { } ecdsa)
                using (ecdsa) return ecdsa.VerifyData(signed, signature, HashAlgorithmName.SHA256);
            if (signer.GetRSAPublicKey() is { } rsa)
                using (rsa) return rsa.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static byte[] SignedText(GrainId target, string interfaceName, string method, long seconds) =>
        Encoding.UTF8.GetBytes($"distgen/caller/{Version}\n{target}\n{interfaceName}\n{method}\n{seconds.ToString(CultureInfo.InvariantCulture)}");

    private static byte[]? TryDecode(string base64)
    {
        try
        {
            return Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
