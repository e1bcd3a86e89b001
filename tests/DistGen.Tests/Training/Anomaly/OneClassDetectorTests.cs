using System.Globalization;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;
using Xunit.Abstractions;

namespace DistGen.Tests.Training.Anomaly;

/// <summary>The anomaly workload end to end with the reference trainer, and its spec's refusals.</summary>
public sealed class OneClassDetectorTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _run = Directory.CreateTempSubdirectory("distgen-anomaly-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    // Trousers (class 1) as normal: a short seeded run already tells them from the other nine classes.
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "anomaly-short", "workload": "anomaly", "seed": 3,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 128, "latentSize": 8 },
          "training": { "normalClasses": [1], "steps": 150, "batchSize": 64, "testLimit": 1000, "logEvery": 50, "evalEvery": 150, "scoreSamples": 8 },
          "cluster": { "workers": 1 } }
        """;

    [Fact]
    public void A_seeded_short_run_of_the_convolutional_detector_separates_its_normal_class_too()
    {
        var job = SpecLoader.Parse(Spec.Replace("\"latentSize\": 8 }", "\"latentSize\": 8, \"architecture\": \"conv\" }"));
        Assert.Equal("conv", ((DistGen.Training.Vae.VaeModelOptions)job.Model).Architecture);

        var summary = new DataParallelReferenceTrainer(job.CreateRoundWorkload<IDataParallelWorkload>()).Run(RunContext.OnCpu(_run, job.Spec.Seed));

        log.WriteLine(string.Join(", ", new[] { "reconstruction", "neg_elbo", "iw_nll" }.Select(s => $"{s} {summary.Figures[$"auroc_{s}"]:F4}")));
        Assert.All(new[] { "reconstruction", "neg_elbo", "iw_nll" }, score => Assert.True(summary.Figures[$"auroc_{score}"] >= 0.8, $"{score}: {summary.Figures[$"auroc_{score}"]:F4}"));
    }

    [Fact]
    public void A_seeded_short_run_separates_its_normal_class_from_the_rest_with_every_score_and_writes_its_report()
    {
        var job = SpecLoader.Parse(Spec);
        var summary = new DataParallelReferenceTrainer(job.CreateRoundWorkload<IDataParallelWorkload>()).Run(RunContext.OnCpu(_run, job.Spec.Seed));

        foreach (var score in new[] { "reconstruction", "neg_elbo", "iw_nll" })
        {
            double auroc = summary.Figures[$"auroc_{score}"], auprc = summary.Figures[$"auprc_{score}"];
            log.WriteLine($"{score}: AUROC {auroc:F4}, AUPRC {auprc:F4}, test FPR {summary.Figures[$"test_fpr_{score}"]:F3}, TPR {summary.Figures[$"test_tpr_{score}"]:F3}");
            Assert.True(auroc >= 0.8, $"{score}: AUROC {auroc:F4}");
            // The threshold was set on held-out normal images: on the normal test images it flags a similar share.
            Assert.InRange(summary.Figures[$"test_fpr_{score}"], 0.0, 0.2);
        }
        Assert.Equal("anomaly", summary.Workload);
        Assert.Equal(1000, summary.Figures["normal_test_images"] + summary.Figures["anomalous_test_images"]);
        foreach (var file in new[] { "roc.png", "scores.png", "anomalies.png", "scores.csv", "summary.json", "checkpoint.bin" })
            Assert.True(new FileInfo(Path.Combine(_run, file)).Length > 0, $"{file} missing or empty");
        var rows = File.ReadAllLines(Path.Combine(_run, "scores.csv"));
        Assert.Equal("index,label,anomalous,reconstruction,neg_elbo,iw_nll", rows[0]);
        Assert.Equal(1001, rows.Length);
        Assert.All(rows.Skip(1), row => Assert.Equal(row.Split(',')[1] == "1" ? "0" : "1", row.Split(',')[2]));
        Assert.All(rows.Skip(1), row => Assert.True(double.IsFinite(double.Parse(row.Split(',')[5], CultureInfo.InvariantCulture))));
    }

    [Theory]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": []", "at least one normal class")]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": [1, 10]", "classes are 0 to 9")]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": [1, 1]", "named twice")]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", "no anomaly to detect")]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": [1], \"scores\": [\"psnr\"]", "choose one or more of reconstruction, neg_elbo, iw_nll")]
    [InlineData("\"normalClasses\": [1]", "\"normalClasses\": \"1\"", "expected")]
    public void A_bad_one_class_setting_is_refused_by_its_path(string find, string replace, string message)
    {
        Assert.Contains(find, Spec);
        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(Spec.Replace(find, replace)));
        var field = replace.Contains("scores", StringComparison.Ordinal) ? "$.training.scores" : "$.training.normalClasses";
        Assert.Contains(error.Errors, e => e.Path == field && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
