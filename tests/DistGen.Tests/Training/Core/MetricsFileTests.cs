using DistGen.Training.Core;

namespace DistGen.Tests.Training.Core;

public sealed class MetricsFileTests
{
    [Fact]
    public void Rows_cut_short_or_unreadable_are_skipped_and_NaN_is_kept()
    {
        var file = MetricsFile.Parse(["step,loss,quality", "1,0.5,NaN", "2,0.4,0.9", "3,0.3", "4,oops,1", "5,0.2,0.8\r", "6,0.1,0."], "m.csv");

        Assert.Equal(["loss", "quality"], file.Columns);
        Assert.Equal([1L, 2, 5, 6], file.Rows.Select(r => r.Step));
        Assert.True(double.IsNaN(file.Rows[0].Values[1]));
        Assert.Equal([0.2, 0.8], file.Rows[2].Values);
        Assert.Equal("5,0.2,0.8", file.Rows[2].Line);
    }

    [Fact]
    public void A_file_without_a_step_column_is_refused_by_name_and_a_missing_one_has_no_rows()
    {
        var error = Assert.Throws<InvalidDataException>(() => MetricsFile.Parse(["round,loss", "1,2"], "other.csv"));
        Assert.Contains("other.csv", error.Message);
        Assert.Empty(MetricsFile.Read(Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.csv")).Rows);
    }

    [Fact]
    public void A_file_is_read_while_its_writer_holds_it_open()
    {
        var folder = Directory.CreateTempSubdirectory("distgen-metrics-file-").FullName;
        try
        {
            using (var log = new MetricsLog(RunContext.OnCpu(folder, 1)))
            {
                log.Log(1, new Dictionary<string, double> { ["loss"] = 2.0 });
                log.Log(2, new Dictionary<string, double> { ["loss"] = 1.5 });
                var read = MetricsFile.Read(Path.Combine(folder, "metrics.csv"));
                Assert.Equal([1L, 2], read.Rows.Select(r => r.Step));
                Assert.Equal(1.5, read.Rows[1].Values[0]);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
