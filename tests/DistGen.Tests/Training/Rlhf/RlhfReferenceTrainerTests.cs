using System.Text.Json;
using DistGen.Training.Core;
using DistGen.Training.Language;
using DistGen.Training.Rlhf;
using Xunit.Abstractions;

namespace DistGen.Tests.Training.Rlhf;

[Collection(DistGen.Tests.Training.Rl.SerialTorchCollection.Name)]
public sealed class RlhfReferenceTrainerTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-rlhf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Verse-like lines of a few words, some of them lexicon words; 2,000 lines so the last tenth holds 200 verses.
    private static string Corpus()
    {
        string[] words = ["and", "the", "lord", "said", "unto", "them", "joy", "peace", "evil", "sword", "he", "went", "up", "to", "city", "love"];
        var random = new SplitMix64(3);
        var text = new System.Text.StringBuilder();
        for (int line = 0; line < 2000; line++)
        {
            int count = 4 + random.NextInt(5);
            text.Append(string.Join(' ', Enumerable.Range(0, count).Select(_ => words[random.NextInt(words.Length)]))).Append(".\n");
        }
        return text.ToString();
    }

    private static (RlhfReferenceTrainer Trainer, CorpusTokenStream Tokens) Trainer(long seed, Func<RlhfTrainingOptions, RlhfTrainingOptions>? change = null)
    {
        var tokens = new CorpusTokenStream(Corpus());
        var model = new CharLmModelOptions { ContextLength = 24, ModelDimension = 16, Heads = 2, Layers = 1 };
        var training = new RlhfTrainingOptions
        {
            Pretrain = new CharLmTrainingOptions { Steps = 30, BatchSize = 8, WarmupSteps = 5, EvalInterval = 30, EvalBatches = 2, SampleCount = 0, SamplePrompt = "and " },
            Prompts = new RlhfPromptOptions { Words = 2, Length = 12, CompletionLength = 10, HeldOut = 16 },
            Comparisons = new RlhfComparisonOptions { Prompts = 24, PerPrompt = 3 },
            Labels = new RlhfLabelOptions { Tau = 0.6, HeldOutFraction = 0.25 },
            RewardModel = new RlhfRewardModelOptions { Steps = 4, BatchSize = 8 },
            Ppo = new RlhfPpoOptions { Updates = 3, Prompts = 8, MinibatchSize = 4, Epochs = 2 },
        };
        return (new RlhfReferenceTrainer(model, change?.Invoke(training) ?? training, tokens, tokens.Corpus.Decode(tokens.Corpus.Validation.Select(t => (long)t)), seed), tokens);
    }

    [Fact]
    public void A_short_loop_writes_every_output_and_finite_figures()
    {
        var (trainer, _) = Trainer(seed: 1);
        var reports = new List<TrainingProgress>();
        var summary = trainer.Run(RunContext.OnCpu(_folder, 1) with { Progress = new Recorder(reports) });
        // One total for the whole run (30 pretraining steps + 4 reward-model steps + 3 PPO updates), counted up without a jump back.
        Assert.All(reports, r => Assert.Equal(37, r.TotalSteps));
        Assert.Equal(reports.Select(r => r.Step).Order(), reports.Select(r => r.Step));
        Assert.Equal(37, reports[^1].Step);
        foreach (var figure in new[] { "win_rate_vs_start", "kl_nats_per_completion", "rule_score", "rm_score", "entropy_per_token", "val_loss",
                     "distinct_2", "labeler_agreement", "rm_heldout_accuracy_labels", "start_val_loss", "generated_tokens_per_s" })
        {
            Assert.True(summary.Figures.ContainsKey(figure), $"summary.json lacks {figure}");
            Assert.True(double.IsFinite(summary.Figures[figure]), $"{figure} = {summary.Figures[figure]}");
        }
        foreach (var file in new[] { "metrics.csv", "reward_model.csv", "evaluation.csv", "reward_kl.png", "samples.jsonl", "checkpoint.bin", "summary.json",
                     "pretrain/checkpoint.bin", "labels/iteration-1/requests.jsonl", "labels/iteration-1/answers.jsonl" })
            Assert.True(File.Exists(Path.Combine(_folder, file)), $"{file} is missing");
        var requests = LabelRequestFile.Read(Path.Combine(_folder, "labels/iteration-1/requests.jsonl"));
        var answers = LabelAnswers.Load(Path.Combine(_folder, "labels/iteration-1/answers.jsonl"), requests);
        Assert.Equal(24, requests.Count);
        Assert.Equal(24, answers.RankedCount);
        // samples.jsonl: the starting and the final policy on each of the 16 held-out prompts.
        var samples = File.ReadAllLines(Path.Combine(_folder, "samples.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(32, samples.Count);
        Assert.Equal(16, samples.Count(s => s.GetProperty("policy").GetString() == "final"));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_folder, "metrics.csv")).Length);
        log.WriteLine(string.Join(", ", summary.Figures.Select(f => $"{f.Key} {f.Value:G4}")));
    }

    [Fact]
    public void A_seeded_short_loop_raises_the_win_rate_over_the_start_above_0_6()
    {
        // Long enough for the signal to show on the verse-like corpus: the pretrained model still makes up words and rarely
        // says joy, peace or love; the labels (tau 0.3) and PPO teach it to, on a leash.
        var (trainer, _) = Trainer(seed: 4, t => t with
        {
            Pretrain = t.Pretrain with { Steps = 150 },
            Comparisons = t.Comparisons with { Prompts = 120, PerPrompt = 4 },
            Labels = t.Labels with { Tau = 0.3, HeldOutFraction = 0.2 },
            RewardModel = t.RewardModel with { Steps = 60, BatchSize = 32, LearningRate = 1e-3 },
            Ppo = t.Ppo with { Updates = 30, Prompts = 16, MinibatchSize = 8, Epochs = 4, LearningRate = 1e-3, TargetKl = 4 },
        });
        var summary = trainer.Run(RunContext.OnCpu(_folder, 4));
        log.WriteLine(string.Join(", ", summary.Figures.Where(f => !f.Key.StartsWith("seconds_")).Select(f => $"{f.Key} {f.Value:G4}")));
        Assert.True(summary.Figures["win_rate_vs_start"] > 0.6, $"win rate {summary.Figures["win_rate_vs_start"]:F3}");
        Assert.True(summary.Figures["rule_score"] > summary.Figures["start_rule_score"]);
        Assert.True(summary.Figures["kl_nats_per_completion"] <= 6, $"KL {summary.Figures["kl_nats_per_completion"]:F2} nats per completion");
    }

    private sealed class Recorder(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        var first = Trainer(seed: 2).Trainer.Run(RunContext.OnCpu(Path.Combine(_folder, "a"), 2));
        var second = Trainer(seed: 2).Trainer.Run(RunContext.OnCpu(Path.Combine(_folder, "b"), 2));
        foreach (var (name, value) in first.Figures.Where(f => !f.Key.StartsWith("seconds_") && f.Key != "generated_tokens_per_s"))
            Assert.True(value.Equals(second.Figures[name]), $"{name}: {value} vs {second.Figures[name]}");
        Assert.Equal(File.ReadAllText(Path.Combine(_folder, "a", "samples.jsonl")), File.ReadAllText(Path.Combine(_folder, "b", "samples.jsonl")));
    }

    [Fact]
    public void Bad_settings_are_refused_before_any_work_with_the_setting_named()
    {
        var tooMany = Assert.Throws<ArgumentException>(() => Trainer(1, t => t with { Comparisons = t.Comparisons with { Prompts = 5000 } }));
        Assert.Contains("training.comparisons.prompts (5000)", tooMany.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => Trainer(1, t => t with { Prompts = t.Prompts with { CompletionLength = 20 } }));
        Assert.Contains("do not fit the policy's context of 24", tooLong.Message);
        var person = Assert.Throws<ArgumentException>(() => Trainer(1, t => t with { Labels = t.Labels with { Labeler = "person" } }));
        Assert.Contains("distgen label JOB-ID", person.Message);
        var missing = Assert.Throws<ArgumentException>(() => Trainer(1, t => t with { From = Path.Combine(_folder, "no-such-run") }));
        Assert.Contains("does not exist", missing.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder));
    }
}
