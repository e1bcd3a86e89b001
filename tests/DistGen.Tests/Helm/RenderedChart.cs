using System.Text;
using System.Text.Json;

namespace DistGen.Tests.Helm;

/// <summary>The manifests of one <c>helm template</c>, validated, with the lookups the chart tests need.</summary>
public sealed class RenderedChart(IReadOnlyList<JsonElement> manifests)
{
    public IReadOnlyList<JsonElement> Manifests { get; } = manifests;

    public IEnumerable<JsonElement> OfKind(string kind) => Manifests.Where(m => m.GetProperty("kind").GetString() == kind);

    public JsonElement Single(string kind, string component) =>
        Assert.Single(OfKind(kind), m => m.GetProperty("metadata").TryGetProperty("labels", out var labels)
                                          && labels.TryGetProperty("app.kubernetes.io/component", out var c) && c.GetString() == component);

    public JsonElement SiloStatefulSet => Single("StatefulSet", "silo");

    public JsonElement SiloContainer => PodSpec(SiloStatefulSet).GetProperty("containers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "silo");

    /// <summary>Every pod template: StatefulSets' and Jobs'.</summary>
    public IEnumerable<JsonElement> PodSpecs => OfKind("StatefulSet").Concat(OfKind("Job")).Select(PodSpec);

    public static JsonElement PodSpec(JsonElement workload) => workload.GetProperty("spec").GetProperty("template").GetProperty("spec");

    public static IEnumerable<JsonElement> Containers(JsonElement podSpec) =>
        podSpec.GetProperty("containers").EnumerateArray()
            .Concat(podSpec.TryGetProperty("initContainers", out var init) ? init.EnumerateArray() : []);

    public static IReadOnlyDictionary<string, JsonElement> Env(JsonElement container) =>
        container.TryGetProperty("env", out var env)
            ? env.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e)
            : new Dictionary<string, JsonElement>();

    /// <summary>The chart's Secrets other than its certificates (kubernetes.io/tls).</summary>
    public IEnumerable<JsonElement> OpaqueSecrets => OfKind("Secret").Where(s => s.GetProperty("type").GetString() != "kubernetes.io/tls");

    /// <summary>The certificate Secrets, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> TlsSecrets =>
        OfKind("Secret").Where(s => s.GetProperty("type").GetString() == "kubernetes.io/tls").ToDictionary(s => s.GetProperty("metadata").GetProperty("name").GetString()!);

    /// <summary>The decoded values of the chart's (opaque) Secret.</summary>
    public IReadOnlyDictionary<string, string> SecretValues =>
        OpaqueSecrets.Single().GetProperty("data").EnumerateObject()
            .ToDictionary(p => p.Name, p => Encoding.UTF8.GetString(Convert.FromBase64String(p.Value.GetString()!)));

    public static string Path(JsonElement element, params string[] names) =>
        names.Aggregate(element, (e, name) => e.GetProperty(name)).ToString();
}
