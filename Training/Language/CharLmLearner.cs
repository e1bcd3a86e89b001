using System.Diagnostics;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Language;

/// <summary>
/// The char-LM run's owner of the model: AdamW at the scheduled rate with clipping, a seeded validation estimate every
/// EvalInterval rounds, samples.txt, metrics.csv, loss.png, checkpoint.bin and summary.json.
/// </summary>
public sealed class CharLmLearner : IDataParallelLearner
{
    private const string SamplesFile = "samples.txt";
    private readonly CharTransformer _lm;
    private readonly CharLmTrainingOptions _training;
    private readonly ITokenStream _tokens;
    private readonly long[] _prompt;
    private readonly RunContext _ctx;
    private readonly AdamOptimizer _optimizer;
    private readonly WarmupCosineSchedule _schedule;
    private readonly MetricsLog _metrics;
    private readonly LearnerCheckpoint _checkpoint;
    private StreamWriter? _samples;
    private bool _continued;
    private readonly long _parameterCount;
    private readonly long _tokensPerRound;
    private readonly Stopwatch _interval = Stopwatch.StartNew();
    private double _intervalLoss, _trainLoss = double.NaN, _valLoss = double.NaN, _tokensPerSecond;
    private int _intervalRounds;

    public CharLmLearner(CharTransformer lm, CharLmTrainingOptions training, ITokenStream tokens, long[] prompt, RunContext ctx)
    {
        (_lm, _training, _tokens, _prompt, _ctx) = (lm, training, tokens, prompt, ctx);
        _optimizer = AdamWUpdate.Create(lm, training.LearningRate, training.Beta1, training.Beta2, training.WeightDecay);
        _schedule = WarmupCosineSchedule.From(training);
        _metrics = new MetricsLog(ctx);
        _checkpoint = new LearnerCheckpoint(ctx, _metrics, new Dictionary<string, nn.Module> { ["model"] = lm },
            new Dictionary<string, AdamOptimizer> { ["optimizer"] = _optimizer });
        _parameterCount = ParameterVector.Count(lm.parameters());
        _tokensPerRound = (long)training.BatchSize * lm.ContextLength;
    }

    private long Stream(string name) => Seeding.Derive(_ctx.Seed, name);

    public void Apply(long round) => AdamWUpdate.Apply(_lm, _optimizer, _schedule.At((int)round - 1), _training.MaxGradNorm);

    public IReadOnlyDictionary<string, double> EndRound(long round, IReadOnlyDictionary<string, double> rowMetrics, double samplesPerSecond)
    {
        double loss = rowMetrics["train_loss"];
        _intervalLoss += loss;
        _intervalRounds++;
        if (round % _training.EvalInterval == 0 || round == _training.Steps)
        {
            _trainLoss = _intervalLoss / _intervalRounds;
            _valLoss = LanguageModelStep.EstimateLoss(_lm, _tokens, validation: true, _training.EvalBatches, _training.BatchSize, Stream("validation"));
            _tokensPerSecond = _intervalRounds * _tokensPerRound / _interval.Elapsed.TotalSeconds;
            _metrics.Log(round, new Dictionary<string, double>
            {
                ["train_loss"] = _trainLoss,
                ["val_loss"] = _valLoss,
                ["lr"] = _schedule.At((int)round - 1),
                ["tokens_per_s"] = _tokensPerSecond,
            });
            // The same sample stream at every evaluation, so the samples show what the model learned in between.
            WriteSample(SampleLog.StepTitle(round, _valLoss), new SplitMix64(Stream("samples")));
            (_intervalLoss, _intervalRounds) = (0, 0);
            _interval.Restart();
        }
        var current = new Dictionary<string, double> { ["train_loss"] = loss, ["lr"] = _schedule.At((int)round - 1), ["samples_per_s"] = samplesPerSecond };
        if (!double.IsNaN(_valLoss)) current["val_loss"] = _valLoss;
        if (round % Math.Max(1, _training.Steps / 100) == 0 || round == _training.Steps)
            _ctx.Progress?.Report(new TrainingProgress(round, _training.Steps, current));
        return current;
    }

    public TrainingSummary Finish(double wallSeconds)
    {
        var finalRandom = new SplitMix64(Stream("final-samples"));
        for (int i = 0; i < _training.SampleCount; i++) WriteSample($"final sample {i + 1}", finalRandom);
        _ctx.WriteArtifact("loss.png", path =>
            LossPlot.Save(path, $"char-level transformer LM ({_parameterCount:N0} parameters)", _metrics, "train_loss", "val_loss"));
        return _checkpoint.Finish(_training.Steps, new TrainingSummary
        {
            Workload = CharLmWorkload.Workload,
            Steps = _training.Steps,
            WallSeconds = wallSeconds,
            Figures = new Dictionary<string, double>
            {
                ["val_loss"] = _valLoss,
                ["train_loss"] = _trainLoss,
                ["val_bits_per_char"] = _valLoss / Math.Log(2),
                ["tokens_per_s"] = _tokensPerSecond,
                ["parameters"] = _parameterCount,
            },
        }, IntervalCounters);
    }

    public void SaveCheckpoint(long round) => _checkpoint.Save(round, IntervalCounters);

    // The running mean of the training loss between evaluations is part of the state a resumed run needs.
    private Dictionary<string, ulong> IntervalCounters => new()
    {
        ["interval_loss_bits"] = BitConverter.DoubleToUInt64Bits(_intervalLoss),
        ["interval_rounds"] = (ulong)_intervalRounds,
    };

    public long Resume()
    {
        if (_checkpoint.Resume() is not { Round: var round, Counters: var counters }) return 0;
        _intervalLoss = BitConverter.UInt64BitsToDouble(counters["interval_loss_bits"]);
        _intervalRounds = (int)counters["interval_rounds"];
        (_trainLoss, _valLoss, _tokensPerSecond) = (_metrics.LastFinite("train_loss"), _metrics.LastFinite("val_loss"), _metrics.LastFinite("tokens_per_s"));
        SampleLog.KeepUpTo(_ctx, SamplesFile, round);
        _continued = true;
        return round;
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _samples?.Dispose();
        _optimizer.Dispose();
    }

    private void WriteSample(string title, SplitMix64 random)
    {
        var generated = _lm.Generate(_prompt, _training.SampleLength, _training.SampleTemperature, random);
        _ctx.Writer.ThrowIfSuperseded(SamplesFile);
        try
        {
            // Opened at the first sample, so a resumed run appends to the samples kept from before its checkpoint.
            _samples ??= new StreamWriter(_ctx.PathOf(SamplesFile), append: _continued);
            _samples.WriteLine(SampleLog.Header(title));
            _samples.WriteLine(_tokens.Decode(_prompt) + _tokens.Decode(generated));
            _samples.WriteLine();
            _samples.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactWriteException(_ctx.PathOf(SamplesFile), e);
        }
        _ctx.Writer.ThrowIfSupersededWhileWriting(SamplesFile);
    }
}
