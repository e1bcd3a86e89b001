using DistGen.Grains.Hosting;
using DistGen.Silo;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

// The DistGen silo: appsettings.json, then DISTGEN__ environment variables, then the command line.
// SIGTERM (or Ctrl+C) stops it gracefully: it finishes calls, hands its grains over and leaves the cluster.
// The content root is the program's folder, so its appsettings.json is found from any working directory.
NativeHeap.LimitArenas();
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddDistGenSources(args);
try
{
    // The settings the silo is composed from are checked here, every other section just after the host is built:
    // at start (ValidateOnStart) the host would log the refusal again, with a stack trace.
    builder.AddDistGenSilo(new ClusterProviders());
    builder.Services.AddHostedService<FormerServiceIdNotice>();
    var app = builder.Build();
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.MapDistGenSilo();
    await app.RunAsync();
    return 0;
}
catch (Exception refusal) when (SettingsSection.FailuresOf(refusal) is { Count: > 0 } failures)
{
    foreach (var failure in failures) Console.Error.WriteLine($"distgen silo: {failure}");
    return 2;
}
catch (RedisConnectionException unreachable)
{
    Console.Error.WriteLine($"distgen silo: cannot reach Redis ({unreachable.Message}); start redis-server or fix Cluster:Redis (DISTGEN__Cluster__Redis).");
    return 3;
}
