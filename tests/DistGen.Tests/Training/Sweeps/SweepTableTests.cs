using DistGen.Grains.Runs;
using DistGen.Training.Anomaly;
using DistGen.Training.Sweeps;

namespace DistGen.Tests.Training.Sweeps;

/// <summary>A sweep's table: means over the members that succeeded only, percent for AUROC, and anchors only for the protocol they were measured under.</summary>
public sealed class SweepTableTests
{
    private static SweepRow Row(string label, string state, double? auroc, double? loss = null)
    {
        var figures = new Dictionary<string, double>();
        if (auroc is { } a) figures["auroc_neg_elbo"] = a;
        if (loss is { } l) figures["test_loss"] = l;
        return new SweepRow(label, $"job-{label}", state, figures, state == "succeeded" ? null : "it broke");
    }

    [Fact]
    public void The_mean_is_over_the_members_that_succeeded_and_says_how_many()
    {
        var table = new SweepTable("s", "training.normalClasses", ["auroc_neg_elbo"],
            [Row("a", "succeeded", 0.90), Row("b", "succeeded", 0.70), Row("c", "failed", 0.10)], []);

        Assert.Equal(0.80, table.Mean["auroc_neg_elbo"], 12);
        Assert.Equal(2, table.MeanOver);
        var markdown = table.ToMarkdown();
        Assert.Contains("| a | job-a | succeeded | 90.0 |", markdown);
        Assert.Contains("| **mean** (2 of 3) | | | **80.0** |", markdown);
        Assert.Contains("auroc_neg_elbo (%)", markdown);
        Assert.Contains("- c: it broke", markdown);
        var csv = table.ToCsv().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("label,job,state,auroc_neg_elbo", csv[0]);
        Assert.Equal("b,job-b,succeeded,0.7", csv[2]);
        Assert.Equal("mean,,2 of 3,0.8", csv[4]);
    }

    [Fact]
    public void Without_a_report_list_the_aurocs_are_shown_else_every_figure_all_members_share()
    {
        Assert.Equal(["auroc_neg_elbo"], SweepTable.DefaultReport([Row("a", "succeeded", 0.9, 1.5), Row("b", "succeeded", 0.8, 1.4)]));
        Assert.Equal(["test_loss"], SweepTable.DefaultReport([Row("a", "succeeded", null, 1.5), Row("b", "succeeded", 0.8, 1.4)]));
        Assert.Empty(SweepTable.DefaultReport([Row("a", "failed", 0.9)]));
        var none = new SweepTable("s", "seed", [], [Row("a", "failed", null)], []);
        Assert.Equal(0, none.MeanOver);
        Assert.DoesNotContain("mean", none.ToMarkdown());
    }

    [Fact]
    public void A_label_with_a_bar_or_a_comma_keeps_the_tables_shape()
    {
        var table = new SweepTable("s", "seed", ["test_loss"], [new SweepRow("a|b, c", "j1", "succeeded", new Dictionary<string, double> { ["test_loss"] = 2 })], []);

        Assert.Contains("| a\\|b, c | j1 | succeeded | 2 |", table.ToMarkdown());
        Assert.StartsWith("\"a|b, c\",", table.ToCsv().Split(Environment.NewLine)[1]);
    }

    private static SweepSpec OneClass(string data, string values) => SweepSpec.Parse($$"""
        { "apiVersion": "distgen/v1", "name": "oc", "sweep": { "parameter": "training.normalClasses", "values": {{values}} },
          "job": { "workload": "anomaly", "data": { "name": "{{data}}" }, "training": { "normalClasses": [0] } } }
        """, JobWorkloads.ValidateForCluster);

    [Fact]
    public void The_published_anchors_join_only_a_sweep_over_each_fashion_mnist_class_alone()
    {
        const string EachClass = "[[0],[1],[2],[3],[4],[5],[6],[7],[8],[9]]";
        var anchors = OneClassAnchors.For(OneClass("fashion-mnist", EachClass), ["auroc_neg_elbo", "test_fpr_neg_elbo"]);

        Assert.Equal(["GEOM", "RAW-OC-SVM", "CAE-OC-SVM", "ADGAN", "DSEBM"], anchors.Select(a => a.Method));
        Assert.Equal(0.935, anchors[0].Figures["auroc_neg_elbo"]);
        Assert.False(anchors[0].Figures.ContainsKey("test_fpr_neg_elbo"));
        Assert.Empty(OneClassAnchors.For(OneClass("mnist", EachClass), ["auroc_neg_elbo"]));
        Assert.Empty(OneClassAnchors.For(OneClass("fashion-mnist", "[[0],[1],[2],[3],[4],[5],[6],[7],[8]]"), ["auroc_neg_elbo"]));
        Assert.Empty(OneClassAnchors.For(OneClass("fashion-mnist", "[[0,1],[1],[2],[3],[4],[5],[6],[7],[8],[9]]"), ["auroc_neg_elbo"]));
        var table = new SweepTable("oc", "training.normalClasses", ["auroc_neg_elbo"], [Row("0", "succeeded", 0.5)], anchors);
        Assert.Contains("| published: GEOM | Golan & El-Yaniv 2018, Table 1 | | 93.5 |", table.ToMarkdown());
    }
}
