using System.Text.Json;
using DistGen.Training.Anomaly;
using DistGen.Training.Sweeps;

namespace DistGen.Grains.Sweeps;

/// <summary>
/// A finished sweep's folder (named by the sweep id, under Artifacts:Root of the silo that finished it): sweep.md (the
/// table), sweep.csv (the same figures unrounded), summary.json (every member's figures, the mean and the anchors) and
/// spec.json (the sweep as submitted). Each file is written beside its name and renamed, so a reader never sees half.
/// </summary>
public static class SweepFolder
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The sweep's table: a row per member, the mean, and the published anchors its protocol has.</summary>
    public static SweepTable TableOf(SweepSpec sweep, IReadOnlyList<SweepMemberRecord> members)
    {
        var rows = members.Select(m => new SweepRow(m.Label, m.ShownJobId, m.EndState ?? "unknown", m.Metrics, m.Message)).ToList();
        var columns = sweep.Report.Count > 0 ? sweep.Report : SweepTable.DefaultReport(rows);
        return new SweepTable(sweep.Name, sweep.Parameter, columns, rows, OneClassAnchors.For(sweep, columns));
    }

    public static void Write(string folder, SweepSpec sweep, SweepTable table, IReadOnlyList<SweepMemberRecord> members)
    {
        Directory.CreateDirectory(folder);
        WriteFile(folder, "spec.json", sweep.SourceJson);
        WriteFile(folder, "sweep.md", table.ToMarkdown());
        WriteFile(folder, "sweep.csv", table.ToCsv());
        var summary = new
        {
            sweep = sweep.Name,
            parameter = sweep.Parameter,
            columns = table.Columns,
            mean = table.Mean,
            mean_over = table.MeanOver,
            anchors = table.Anchors.Select(a => new { method = a.Method, source = a.Source, figures = a.Figures }),
            members = members.Select(m => new { index = m.Index, label = m.Label, job = m.ShownJobId, state = m.EndState, message = m.Message, silos = m.Silos, figures = m.Metrics }),
        };
        WriteFile(folder, "summary.json", JsonSerializer.Serialize(summary, Indented));
    }

    private static void WriteFile(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
