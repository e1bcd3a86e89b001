using System.Reflection;

namespace DistGen.Cluster.Tests;

/// <summary>Where the built Silo and distgen programs are: the repository's bin folders of this test run's configuration.</summary>
public static class BuiltPrograms
{
    /// <summary>Debug or Release, as this test assembly was built.</summary>
    public static string Configuration { get; } =
        typeof(BuiltPrograms).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The folder holding DistGen.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The silo host's assembly.</summary>
    public static string Silo => Require(Path.Combine(RepositoryRoot, "Silo", "bin", Configuration, "net10.0", "DistGen.Silo.dll"));

    /// <summary>The console's assembly.</summary>
    public static string Distgen => Require(Path.Combine(RepositoryRoot, "Client", "bin", Configuration, "net10.0", "distgen.dll"));

    /// <summary>The dotnet host that runs them (the one running these tests).</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Require(string path) => File.Exists(path)
        ? path
        : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build DistGen.sln -c {Configuration}).", path);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DistGen.sln"))) return folder.FullName;
        }
        throw new DirectoryNotFoundException($"no DistGen.sln above {AppContext.BaseDirectory}");
    }
}
