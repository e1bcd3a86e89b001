using DistGen.Grains.Hosting;
using DistGen.Grains.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DistGen.Tests.Grains.Metrics;

public sealed class OtlpOptionsTests
{
    private static OtlpOptions Read(params (string Key, string Value)[] settings) => SettingsSection.Read<OtlpOptions>(
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create($"Otlp:{s.Key}", (string?)s.Value))).Build(),
        OtlpOptions.SectionName);

    [Fact]
    public void Without_an_endpoint_there_is_no_otlp()
    {
        Assert.False(Read().Enabled);
    }

    [Theory]
    [InlineData("http://collector:4318", "http/protobuf", "http://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318/", "http/protobuf", "http://collector:4318/v1/metrics")]
    [InlineData("https://otel.example/base", "http/protobuf", "https://otel.example/base/v1/metrics")]
    [InlineData("http://collector:4317", "grpc", "http://collector:4317/")]
    public void Http_exports_go_to_the_metrics_path_under_the_base_address_and_grpc_to_the_address(string endpoint, string protocol, string expected)
    {
        var options = Read(("Endpoint", endpoint), ("Protocol", protocol));
        Assert.True(options.Enabled);
        Assert.Equal(expected, options.ExportUri.ToString());
    }

    [Theory]
    [InlineData("Endpoint", "collector:4318", "Otlp:Endpoint (env DISTGEN__Otlp__Endpoint)")]
    [InlineData("Endpoint", "ftp://collector", "http(s)://HOST:PORT")]
    [InlineData("Protocol", "http/json", "use http/protobuf (port 4318) or grpc")]
    [InlineData("Headers", "api-key", "key=value pairs")]
    [InlineData("ExportInterval", "00:00:00.100", "at least a second")]
    [InlineData("Endpont", "http://collector:4318", "Endpont")]
    public void A_bad_setting_is_refused_naming_it_and_what_to_give(string key, string value, string advice)
    {
        var settings = key == "Endpoint" ? new[] { (key, value) } : [(key, value), ("Endpoint", "http://collector:4318")];
        var refused = Assert.Throws<OptionsValidationException>(() => Read(settings));
        Assert.Contains(advice, refused.Message);
    }
}
