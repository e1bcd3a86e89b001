using System.Text.Json;
using DistGen.Client.Commands;
using DistGen.Client.Connection;
using Spectre.Console;

namespace DistGen.Tests.Client;

public sealed class ClusterCommandTests
{
    private static readonly ClusterSnapshot TwoSilos = new("distgen",
    [
        new SiloSnapshot("127.0.0.1:11111@1", "silo-a", "host-a", "Active", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), 30000,
            new SortedDictionary<string, int> { ["DataShardGrain"] = 2, ["TrainerWorkerGrain"] = 2 }),
        new SiloSnapshot("127.0.0.1:11112@1", "silo-b", "host-b", "ShuttingDown", new DateTime(2026, 1, 2, 3, 4, 6, DateTimeKind.Utc), 30001,
            new SortedDictionary<string, int>()),
    ]);

    [Theory]
    [InlineData("DistGen.Grains.Jobs.TrainerWorkerGrain,DistGen.Grains", "TrainerWorkerGrain")]
    [InlineData("DistGen.Grains.Jobs.JobCoordinatorGrain", "JobCoordinatorGrain")]
    [InlineData("DistGen.Grains.Gan.SomeGrain`1[[System.Int32]],DistGen.Grains", "SomeGrain")]
    [InlineData("Orleans.Runtime.Management.ManagementGrain,Orleans.Runtime", null)]
    [InlineData("Orleans.Dashboard.Implementation.Grains.DashboardGrain", null)]
    public void Only_DistGen_grain_types_are_counted_under_their_short_names(string grainType, string? expected) =>
        Assert.Equal(expected, ClusterSnapshot.DistGenGrainName(grainType));

    [Fact]
    public void Json_lists_each_silo_with_its_status_and_activations_in_camel_case()
    {
        using var json = JsonDocument.Parse(ClusterCommand.ToJson(TwoSilos));

        Assert.Equal("distgen", json.RootElement.GetProperty("clusterId").GetString());
        var silos = json.RootElement.GetProperty("silos").EnumerateArray().ToList();
        Assert.Equal(["127.0.0.1:11111@1", "127.0.0.1:11112@1"], silos.Select(s => s.GetProperty("address").GetString()));
        Assert.Equal("Active", silos[0].GetProperty("status").GetString());
        Assert.Equal(2, silos[0].GetProperty("activations").GetProperty("TrainerWorkerGrain").GetInt32());
        Assert.Equal(30001, silos[1].GetProperty("gatewayPort").GetInt32());
        Assert.False(json.RootElement.TryGetProperty("active", out _));
    }

    [Fact]
    public void The_table_shows_every_silo_its_grains_and_a_line_of_totals()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;

        ClusterCommand.Write(console, TwoSilos);

        var text = output.ToString();
        Assert.Contains("silo-a", text);
        Assert.Contains("ShuttingDown", text);
        Assert.Contains("DataShardGrain ×2, TrainerWorkerGrain ×2", text);
        Assert.Contains("1 active silo(s) of 2 listed; 4 DistGen grain activation(s).", text);
    }
}
