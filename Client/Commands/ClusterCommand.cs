using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DistGen.Client.Connection;
using Spectre.Console;

namespace DistGen.Client.Commands;

/// <summary><c>distgen cluster [--json] [--all]</c>: the cluster's silos, their state and the DistGen grains on each.</summary>
public static class ClusterCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts instead of a table." };
        var all = new Option<bool>("--all") { Description = "Also list dead silos (the membership table keeps them for days)." };
        var connection = new ConnectionOptions();
        var command = connection.AddTo(new Command("cluster", "Show the cluster's silos, their state and the DistGen grains on each.") { json, all });
        command.SetAction((parse, cancel) => ClusterSession.RunAsync(parse, connection, async (cluster, _) =>
        {
            var snapshot = await ClusterSnapshot.ReadAsync(cluster.GrainFactory, cluster.Settings.ClusterId, parse.GetValue(all));
            if (parse.GetValue(json))
                Console.WriteLine(ToJson(snapshot));
            else
                Write(AnsiConsole.Console, snapshot);
            return ExitCodes.Success;
        }, cancel));
        return command;
    }

    /// <summary>The snapshot as <c>--json</c> prints it (camelCase).</summary>
    public static string ToJson(ClusterSnapshot snapshot) => JsonSerializer.Serialize(snapshot, Json);

    /// <summary>Writes the snapshot as a table with one line of totals.</summary>
    public static void Write(IAnsiConsole console, ClusterSnapshot snapshot)
    {
        var table = new Table().Title($"cluster {Markup.Escape(snapshot.ClusterId)}");
        table.AddColumn(new TableColumn("Silo").NoWrap());
        foreach (var column in new[] { "Name", "Status", "Started (UTC)", "DistGen grains" }) table.AddColumn(column);
        foreach (var silo in snapshot.Silos)
        {
            var grains = silo.Activations.Count == 0 ? "-" : string.Join(", ", silo.Activations.Select(a => $"{a.Key} ×{a.Value}"));
            var status = silo.Status == "Active" ? "[green]Active[/]" : $"[yellow]{Markup.Escape(silo.Status)}[/]";
            table.AddRow(
                new Text(silo.Address), new Text(silo.Name), new Markup(status),
                new Text(silo.StartTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), new Text(grains));
        }
        console.Write(table);
        var activations = snapshot.Silos.Sum(s => s.Activations.Values.Sum());
        console.WriteLine($"{snapshot.Active.Count()} active silo(s) of {snapshot.Silos.Count} listed; {activations} DistGen grain activation(s).");
    }
}
