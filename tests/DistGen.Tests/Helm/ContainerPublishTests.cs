namespace DistGen.Tests.Helm;

/// <summary>
/// The container images cannot be built here (no container engine), so CI runs what their Dockerfiles run:
/// <c>dotnet publish</c> of the CPU silo and of the client (on the solution's Release build), then starts the output.
/// </summary>
public sealed class ContainerPublishTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("distgen-publish-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Theory]
    // Started from another folder, like the image's ENTRYPOINT: the silo finds appsettings.json beside itself and names a bad setting.
    [InlineData("docker/Dockerfile.silo-cpu", "Silo/DistGen.Silo.csproj", "DistGen.Silo.dll", "--Cluster:Clustering=Swarm", 2,
        "Cluster:Clustering (env DISTGEN__Cluster__Clustering) is \"Swarm\"")]
    [InlineData("docker/Dockerfile.client", "Client/DistGen.Client.csproj", "distgen.dll", "spec check {repo}/examples/vae-fashion-mnist.json", 0, "vae-fashion-mnist: valid")]
    public async Task The_publish_a_Dockerfile_runs_yields_a_program_that_starts_with_its_native_TorchSharp(
        string dockerfile, string project, string program, string arguments, int exitCode, string says)
    {
        // The image's publish command, minus the restore of an earlier layer and the build the tests already made.
        Assert.Contains($"RUN dotnet publish {project} -c Release -p:TorchBackend=cpu --no-restore -o /out",
            File.ReadAllText(Path.Combine(HelmTools.Repository, dockerfile)));
        var publish = await HelmTools.RunAsync("dotnet", ["publish", project, "-c", "Release", "-p:TorchBackend=cpu", "--no-build", "-o", _output, "-nologo"], HelmTools.Repository);
        Assert.True(publish.ExitCode == 0, publish.Output + publish.Errors);
        foreach (var file in new[] { program, "runtimes/linux-x64/native/libtorch.so", "runtimes/linux-x64/native/libLibTorchSharp.so" })
            Assert.True(File.Exists(Path.Combine(_output, file)), $"{file} is missing from the publish output of {project}");

        var run = await HelmTools.RunAsync("dotnet", [Path.Combine(_output, program), .. arguments.Split(' ').Select(a => a.Replace("{repo}", HelmTools.Repository))], Path.GetTempPath());
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}: {run.Output}{run.Errors}");
        Assert.Contains(says, run.Output + run.Errors);
    }
}
