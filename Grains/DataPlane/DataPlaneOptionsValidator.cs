using DistGen.Grains.Security.Tls;
using Microsoft.Extensions.Options;

namespace DistGen.Grains.DataPlane;

/// <summary>
/// The one data-plane rule that is not on <see cref="DataPlaneOptions"/>: the advertised endpoint's scheme.
/// It stays an <see cref="IValidateOptions{TOptions}"/> because the scheme follows <see cref="TransportSecurity"/>, a service.
/// </summary>
public sealed class DataPlaneOptionsValidator(TransportSecurity? security = null) : IValidateOptions<DataPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, DataPlaneOptions options)
    {
        var scheme = (security ?? TransportSecurity.Plaintext).Scheme;
        if (options.AdvertisedEndpoint is null || IsUri(options.AdvertisedEndpoint, scheme)) return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(
            $"{DataPlaneOptions.Setting(nameof(options.AdvertisedEndpoint))} is \"{options.AdvertisedEndpoint}\": use {scheme}://HOST:PORT as other " +
            $"silos reach this one ({(scheme == Uri.UriSchemeHttps ? "TLS is on" : "TLS is off")}).");
    }

    private static bool IsUri(string value, string scheme) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == scheme && uri.Port > 0;
}
