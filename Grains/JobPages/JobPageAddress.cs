using DistGen.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DistGen.Grains.JobPages;

/// <summary>
/// Where this silo serves a job's page (<c>/jobs/ID</c> on its HTTP port), for status to show; null on a silo without an
/// HTTP port (an in-process test cluster).
/// </summary>
public sealed class JobPageAddress(IServiceProvider services)
{
    private readonly SiloEndpoints? _endpoints = services.GetService<SiloEndpoints>();

    public string? Of(string jobId) => _endpoints?.PagesUrl is { } pages ? $"{pages}/{Uri.EscapeDataString(jobId)}" : null;
}
