using System.Globalization;
using DistGen.Client;
using DistGen.Client.Commands;
using DistGen.Training.Anomaly;
using DistGen.Training.Core;
using DistGen.Training.Data;
using DistGen.Training.DataParallel;
using DistGen.Training.Specs;
using SkiaSharp;

namespace DistGen.Tests.Client;

/// <summary><c>distgen score</c> on a run folder: a folder of pictures, an IDX file, and the input it refuses.</summary>
public sealed class ScoreCommandTests : IDisposable
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "anomaly-scored", "workload": "anomaly", "seed": 4,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 64, "latentSize": 4 },
          "training": { "normalClasses": [1], "steps": 100, "batchSize": 64, "testLimit": 400, "logEvery": 50, "evalEvery": 100, "scoreSamples": 4 },
          "cluster": { "workers": 1 } }
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("distgen-score-").FullName;
    private readonly string _run;

    public ScoreCommandTests()
    {
        _run = Directory.CreateDirectory(Path.Combine(_root, "run")).FullName;
        // What distgen run leaves in a run folder: the spec beside the trainer's files.
        File.WriteAllText(Path.Combine(_run, "spec.json"), Spec);
        var job = SpecLoader.Parse(Spec);
        new DataParallelReferenceTrainer(job.CreateRoundWorkload<IDataParallelWorkload>()).Run(RunContext.OnCpu(_run, job.Spec.Seed));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    private static void SavePicture(string path, ReadOnlySpan<float> grey, int width = 28, int height = 28)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)Math.Round(255 * grey[(y * 28 / height) * 28 + x * 28 / width]);
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        using var file = File.Create(path);
        bitmap.Encode(file, path.EndsWith(".png", StringComparison.Ordinal) ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 95);
    }

    [Fact]
    public void A_folder_of_pictures_is_scored_with_the_best_score_and_trousers_are_mostly_normal_while_bags_are_not()
    {
        var (_, test) = WorkloadCatalog.ImageSplits("fashion-mnist");
        var pictures = Folder("pictures");
        var trousers = Enumerable.Range(0, test.Count).Where(i => test.Labels[i] == 1).Take(6).ToArray();
        var bags = Enumerable.Range(0, test.Count).Where(i => test.Labels[i] == 8).Take(6).ToArray();
        foreach (var i in trousers) SavePicture(Path.Combine(pictures, $"trouser-{i}.png"), test.Image(i));
        foreach (var i in bags) SavePicture(Path.Combine(pictures, $"bag-{i}.png"), test.Image(i));
        // A picture of another size is scaled to 28x28; a JPEG is read too; other files are not pictures.
        SavePicture(Path.Combine(pictures, "big, trouser.jpg"), test.Image(trousers[0]), width: 56, height: 40);
        File.WriteAllText(Path.Combine(pictures, "notes.txt"), "not a picture");
        var csv = Path.Combine(_root, "scores.csv");

        Assert.Equal(ExitCodes.Success, ScoreCommand.Score(_run, pictures, scoreName: null, csv));

        var rows = File.ReadAllLines(csv);
        using var detector = AnomalyDetector.Load(_run);
        Assert.Equal($"item,{detector.BestScore},anomalous", rows[0]);
        Assert.Equal(13, rows.Length - 1);
        Assert.Contains(rows, r => r.StartsWith("\"big, trouser.jpg\",", StringComparison.Ordinal));
        var flagged = rows.Skip(1).ToDictionary(r => r[..r.LastIndexOf(',', r.LastIndexOf(',') - 1)], r => r.EndsWith(",1", StringComparison.Ordinal));
        Assert.True(flagged.Count(f => f.Key.StartsWith("bag-", StringComparison.Ordinal) && f.Value) >= 4, string.Join("\n", rows));
        Assert.True(flagged.Count(f => f.Key.StartsWith("trouser-", StringComparison.Ordinal) && !f.Value) >= 4, string.Join("\n", rows));
        // The threshold is the detector's: a row is anomalous exactly when its score is above it.
        double threshold = detector.ThresholdOf(detector.BestScore);
        Assert.All(rows.Skip(1), r =>
        {
            var cells = r.Split(',');
            Assert.Equal(double.Parse(cells[^2], CultureInfo.InvariantCulture) > threshold ? "1" : "0", cells[^1]);
        });
    }

    [Fact]
    public void An_idx_file_is_scored_item_by_item_with_a_chosen_score()
    {
        var (_, test) = WorkloadCatalog.ImageSplits("fashion-mnist");
        var idx = Path.Combine(_root, "five.idx.gz");
        var pixels = Enumerable.Range(0, 5).SelectMany(i => test.Image(i).ToArray()).Select(p => (byte)Math.Round(p * 255)).ToArray();
        IdxFile.WriteImages(idx, pixels, 5, 28, 28);
        var csv = Path.Combine(_root, "idx.csv");

        Assert.Equal(ExitCodes.Success, ScoreCommand.Score(_run, idx, "reconstruction", csv));

        var rows = File.ReadAllLines(csv);
        Assert.Equal("item,reconstruction,anomalous", rows[0]);
        Assert.Equal(["0", "1", "2", "3", "4"], rows.Skip(1).Select(r => r.Split(',')[0]));
    }

    [Fact]
    public void Bad_input_is_refused_by_name_with_exit_2_and_an_earlier_csv_is_left_as_it_was()
    {
        var csv = Path.Combine(_root, "kept.csv");
        File.WriteAllText(csv, "earlier results\n");
        var empty = Folder("empty");
        var broken = Folder("broken");
        File.WriteAllBytes(Path.Combine(broken, "cat.png"), [1, 2, 3, 4]);
        var small = Path.Combine(_root, "small.idx.gz");
        IdxFile.WriteImages(small, new byte[2 * 10 * 10], 2, 10, 10);
        var zero = Path.Combine(_root, "zero.idx.gz");
        File.WriteAllBytes(zero, []);
        var plain = Path.Combine(_root, "plain.bin");
        File.WriteAllBytes(plain, [0, 0, 8, 3, 0, 0, 0, 1]);

        foreach (var (input, message) in new[]
                 {
                     (empty, "holds no .png, .jpg or .jpeg file"),
                     (Path.Combine(broken, "cat.png"), "not a gzip file"),
                     (broken, "cat.png is not a PNG or JPEG image"),
                     (small, "holds 10x10 images; the detector scores 28x28 images"),
                     (zero, "is empty"),
                     (plain, "not a gzip file"),
                     (Path.Combine(_root, "missing"), "no such file or folder"),
                 })
        {
            var refused = Assert.Throws<ScoringInputException>(() => ScoringInput.Read(input));
            Assert.Contains(message, refused.Message);
            Assert.Equal(ExitCodes.BadInput, ScoreCommand.Score(_run, input, null, csv));
        }
        Assert.Equal(ExitCodes.BadInput, ScoreCommand.Score(_run, empty, "psnr", csv));
        Assert.Contains("reported no 'psnr' score", Assert.Throws<ScoringInputException>(() => AnomalyDetector.Load(_run).ThresholdOf("psnr")).Message);
        // A folder that is not a finished anomaly job's.
        Assert.Contains("has no spec.json", Assert.Throws<ScoringInputException>(() => AnomalyDetector.Load(empty)).Message);
        Assert.Equal("earlier results\n", File.ReadAllText(csv));
        Assert.False(File.Exists($"{csv}.partial"));
    }
}
