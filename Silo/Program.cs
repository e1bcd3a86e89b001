using DistGen.Grains.Hosting;
using DistGen.Silo;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

// The DistGen silo: appsettings.json, then DISTGEN__ environment variables, then the command line.
// SIGTERM (or Ctrl+C) stops it gracefully: it finishes calls, hands its grains over and leaves the cluster.
// The content root is the program's folder, so its appsettings.json is found from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddDistGenSources(args);
try
{
    builder.AddDistGenSilo(new ClusterProviders());
}
catch (OptionsValidationException invalid)
{
    foreach (var failure in invalid.Failures) Console.Error.WriteLine($"distgen silo: {failure}");
    return 2;
}
// Data plane: its services and HTTP/2 endpoint go here, its endpoints after MapDistGenSilo (see SiloHosting).

var app = builder.Build();
app.MapDistGenSilo();
try
{
    await app.RunAsync();
    return 0;
}
catch (RedisConnectionException unreachable)
{
    Console.Error.WriteLine($"distgen silo: cannot reach Redis ({unreachable.Message}); start redis-server or fix Cluster:Redis (DISTGEN__Cluster__Redis).");
    return 3;
}
