namespace DistGen.Cluster.Tests;

/// <summary>A finished anomaly job scores new images from the console: its detector fetched over the data plane by job id.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AnomalyScoreTests(ClusterFixture cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-cluster-score-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Distgen_score_fetches_a_finished_detector_by_job_id_and_refuses_a_job_that_is_no_detector()
    {
        var spec = Path.Combine(_folder, "anomaly.json");
        File.WriteAllText(spec, """
            { "apiVersion": "distgen/v1", "name": "anomaly-cluster-score", "workload": "anomaly", "seed": 6,
              "data": { "name": "fashion-mnist" }, "model": { "hiddenSize": 64, "latentSize": 4 },
              "training": { "normalClasses": [7], "steps": 40, "batchSize": 64, "testLimit": 300, "logEvery": 20, "evalEvery": 40, "scoreSamples": 2 },
              "cluster": { "workers": 2 } }
            """);
        var submit = await ClusterFixture.RunDistgenAsync(["submit", spec, .. cluster.ConnectionArguments]);
        Assert.True(submit.ExitCode == 0, submit.Tail);
        var jobId = submit.StandardOutput.Trim().Split('\n')[^1].Trim();
        var watch = await ClusterFixture.RunDistgenAsync(["watch", jobId, .. cluster.ConnectionArguments], TimeSpan.FromMinutes(3));
        Assert.True(watch.ExitCode == 0, watch.Tail);

        // Ten of the test images as an IDX file, written the way MNIST ships them (gzipped).
        var idx = Path.Combine(_folder, "ten.idx.gz");
        var images = Enumerable.Range(0, 10).SelectMany(i => Enumerable.Repeat((byte)(i * 20), 28 * 28)).ToArray();
        using (var file = File.Create(idx))
        using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
        {
            foreach (var word in new[] { 0x00000803, 10, 28, 28 })
                gzip.Write([(byte)(word >> 24), (byte)(word >> 16), (byte)(word >> 8), (byte)word]);
            gzip.Write(images);
        }
        var csv = Path.Combine(_folder, "scores.csv");
        var scored = await ClusterFixture.RunDistgenAsync(["score", jobId, idx, "--out", csv, .. cluster.ConnectionArguments]);
        Assert.True(scored.ExitCode == 0, scored.Tail);
        Assert.Contains("10 images scored by", scored.StandardOutput);
        var rows = File.ReadAllLines(csv);
        Assert.Equal(11, rows.Length);
        Assert.StartsWith("item,", rows[0]);

        var unknown = await ClusterFixture.RunDistgenAsync(["score", "no-such-job", idx, "--out", csv, .. cluster.ConnectionArguments]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("neither a run folder here nor a job of this cluster", unknown.Tail);
        Assert.Equal(11, File.ReadAllLines(csv).Length);
    }
}
