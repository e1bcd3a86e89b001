using DistGen.Grains.Jobs;
using DistGen.Training.Core;

namespace DistGen.Tests.Grains.JobPages;

public sealed class JobCurvesReaderTests
{
    [Theory]
    [InlineData(10, 20)]
    [InlineData(1000, 7)]
    [InlineData(1001, 600)]
    [InlineData(5, 2)]
    public void Thinning_keeps_at_most_the_budget_in_order_with_the_first_and_the_last(int count, int budget)
    {
        var kept = JobCurvesReader.Thin(count, budget);

        Assert.Equal(Math.Min(count, budget), kept.Length);
        Assert.Equal(0, kept[0]);
        Assert.Equal(count - 1, kept[^1]);
        Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First < p.Second), "strictly increasing");
    }

    [Fact]
    public void A_figure_measured_now_and_then_survives_thinning()
    {
        // A test loss every 97 steps over 5,000: even thinning to 100 rows would hit almost none of them.
        var lines = new List<string> { "step,loss,test_loss" };
        for (int s = 1; s <= 5000; s++) lines.Add($"{s},{1.0 / s},{(s % 97 == 0 ? "0.5" : "NaN")}");
        var file = MetricsFile.Parse(lines, "m.csv");

        var kept = JobCurvesReader.Keep(file, 100);

        Assert.True(kept.Length <= 100);
        int measured = kept.Count(i => double.IsFinite(file.Rows[i].Values[1]));
        Assert.True(measured >= 45, $"{measured} of the 51 measured rows kept");
        Assert.Equal(4999, kept[^1]);
    }

    [Fact]
    public void Curves_come_from_the_run_folder_with_every_logged_step_counted()
    {
        var folder = Directory.CreateTempSubdirectory("distgen-curves-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(folder, "metrics.csv"), ["step,d_loss,g_loss", .. Enumerable.Range(1, 50).Select(s => $"{s},{s},{-s}")]);

            var curves = JobCurvesReader.Read("job-1", folder, 10);

            Assert.Equal(50, curves.LoggedSteps);
            Assert.Equal(10, curves.Steps.Length);
            Assert.Equal(["d_loss", "g_loss"], curves.Columns);
            Assert.Equal(curves.Steps.Select(s => (double)s), curves.Values[0]);
            Assert.Equal(curves.Steps.Select(s => (double)-s), curves.Values[1]);
            Assert.Empty(JobCurvesReader.Read("job-2", Path.Combine(folder, "none"), 10).Columns);
            Assert.Empty(JobCurvesReader.Read("job-3", null, 10).Steps);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
