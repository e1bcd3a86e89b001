using DistGen.Contracts.Jobs;
using DistGen.Grains.JobPages;

namespace DistGen.Tests.Grains.JobPages;

public sealed class JobChartsTests
{
    [Fact]
    public void Losses_share_a_chart_throughputs_another_and_every_other_figure_has_its_own()
    {
        var groups = JobCharts.Group(["d_loss", "g_loss", "samples_per_s", "modes_covered", "test_neg_elbo", "env_steps_per_s", "kl"]);

        Assert.Equal(["losses", "throughput (per second)", "kl", "modes_covered"], groups.Select(g => g.Title));
        Assert.Equal(["d_loss", "g_loss", "test_neg_elbo"], groups[0].Columns);
        Assert.Equal(["samples_per_s", "env_steps_per_s"], groups[1].Columns);
    }

    [Fact]
    public void A_chart_counts_the_points_it_drew_leaving_out_steps_not_measured()
    {
        var curves = new JobCurves("job", ["loss", "quality"], [1, 2, 3], [[3.0, 2.0, 1.0], [double.NaN, 0.5, double.NaN]], 3);

        var charts = JobCharts.Draw(curves);

        Assert.Equal([3, 1], charts.Select(c => c.Points));
        Assert.All(charts, c => Assert.StartsWith("<svg", c.Svg.TrimStart()));
        Assert.DoesNotContain("<script", string.Concat(charts.Select(c => c.Svg)), StringComparison.OrdinalIgnoreCase);
    }
}
