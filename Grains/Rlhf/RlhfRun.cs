using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Rlhf;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Rlhf;
using TorchSharp.Modules;

namespace DistGen.Grains.Rlhf;

/// <summary>
/// The coordinator's side of an RLHF run: the learner (<see cref="RlhfLearner"/>, shared with the reference trainer) and
/// A text rollout actors. A round is one reward-model step or one PPO update (<see cref="RlhfRound"/>). An iteration's
/// first round first has the actors sample the comparison completions (each its slice of the draws), which the learner
/// labels; every reward-model step has each actor compute the gradient of its equal slice of the batch's pairs, whose
/// mean the learner applies (synchronous data parallelism); every PPO update has each actor sample and score its slice
/// of the update's prompts with the current policy, and the learner trains on the slices side by side in actor order.
/// Held-out evaluation runs here, on the learner's models. A failed order is repeated by <see cref="RoundRepeat"/>.
/// </summary>
public sealed class RlhfRun(CoordinatedRunContext context, RlhfWorkload workload) : CoordinatedRun(context), ILabelDesk
{
    private PersonLabels? _waiting;
    private readonly RoundRepeat _repeat = new(context);
    private readonly PushedGradients _gradients = new(context.Exchange);
    private readonly Dictionary<string, TensorKey> _published = [];
    private RlhfLearner? _learner;
    private long _ticket;
    private long _rewardModelVersion;

    private RlhfLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    private int Actors => workload.Workers;

    protected override void Build()
    {
        _learner = workload.CreateLearner(Context.Run);
        _learner.Start(Actors);
    }

    // Only the end of a run is checkpointed (RlhfWorkload.CheckpointEvery): a run taken over starts again from its first round.
    protected override long Resume() => 0;

    protected override void PublishStart(long completed)
    {
        Publish(RlhfKeys.ReferenceOf(JobId), Learner.Reference.parameters());
        PublishPolicy();
    }

    public override async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var at = workload.RoundOf(round);
        var silos = new SortedSet<string>(StringComparer.Ordinal);
        var metrics = new Dictionary<string, double>();
        if (at.StartsIteration)
        {
            var completions = await SampleComparisons(at.Iteration, silos, cancellation);
            if (workload.Training.Labels.Labeler == "auto") await Task.Run(() => Learner.AcceptComparisons(at.Iteration, completions));
            else await LabelByPerson(at.Iteration, completions, cancellation);
            _rewardModelVersion = round - 1;
            PublishRewardModel();
            Context.Exchange.PutLocal(RlhfKeys.ComparisonsOf(JobId, at.Iteration),
                new TensorPayload([Learner.Comparisons.SequenceCount, workload.SequenceLength], Learner.Comparisons.Sequences.Select(t => (float)t).ToArray()));
            if (at.Iteration > 1) Context.Exchange.TryTakeLocal(RlhfKeys.ComparisonsOf(JobId, at.Iteration - 1), out _);
        }
        if (at.IsRewardModelStep)
        {
            var (loss, accuracy) = await RewardModelStep(round, at.Iteration, silos, cancellation);
            // The step never observes cancellation, so the reward model is always that of a completed round.
            Add(metrics, await Task.Run(() => Learner.ApplyRewardStep(round, at, loss, accuracy)));
            _rewardModelVersion = round;
            PublishRewardModel();
            if (at.EndsRewardModel) Add(metrics, await Task.Run(Learner.EndRewardModel));
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var rollout = await Rollout(silos, cancellation);
            double seconds = clock.Elapsed.TotalSeconds;
            Add(metrics, await Task.Run(() => Learner.Update(round, at, rollout, seconds)));
            PublishPolicy();
        }
        if (at.EndsIteration) Add(metrics, await Task.Run(() => Learner.EndIteration(round, at.Iteration)));
        metrics["iteration"] = at.Iteration;
        return new RoundReport(metrics, silos.ToList());
    }

    public LabelWork? Work => _waiting?.Work;

    public LabelProgress Submit(LabelAnswerMessage answer)
    {
        var labels = _waiting ?? throw new InvalidOperationException($"job {JobId} is not waiting for labels now");
        var progress = labels.Submit(answer);
        Context.Waiting.Update(WaitingMessage(labels));
        return progress;
    }

    /// <summary>
    /// Writes the iteration's requests and waits, in the visible state waiting-for-labels, until a person has answered every
    /// one with <c>distgen label JOB-ID</c> (answers already in the run folder count, so a restarted run asks only the rest).
    /// </summary>
    private async Task LabelByPerson(int iteration, IReadOnlyList<long[]> completions, CancellationToken cancellation)
    {
        var requests = await Task.Run(() => Learner.WriteRequests(iteration, completions));
        using var labels = new PersonLabels(iteration, requests, Learner.AnswersPath(iteration));
        if (!labels.IsComplete)
        {
            var clock = Stopwatch.StartNew();
            _waiting = labels;
            try
            {
                await Context.Waiting.BeginAsync("labels", WaitingMessage(labels));
                await labels.Completion.WaitAsync(cancellation);
            }
            finally
            {
                _waiting = null;
            }
            Learner.Stages.Add("labeling", clock.Elapsed.TotalSeconds);
            await Context.Waiting.EndAsync($"the labels of iteration {iteration} are in ({labels.Answers.RankedCount} ranked, {labels.Answers.SkippedCount} skipped); training the reward model");
        }
        await Task.Run(() => Learner.AcceptLabels(iteration, requests, labels.Answers));
    }

    private string WaitingMessage(PersonLabels labels) =>
        $"waiting for labels: {labels.Answered} of {labels.RequestCount} requests of iteration {labels.Iteration} answered; rank them with `distgen label {JobId}`";

    protected override void SaveCheckpoint(long round)
    {
        // Mid-run checkpoints are not written (CheckpointEvery is 0); the final one is written by Finish.
    }

    protected override TrainingSummary Finish(double wallSeconds) => Learner.Finish(wallSeconds);

    protected override IEnumerable<IJobMemberGrain> Members() => Enumerable.Range(0, Actors).Select(ActorGrain);

    public override void Dispose() => _learner?.Dispose();

    /// <summary>
    /// Each actor samples its slice of the iteration's comparison draws with the current policy, in orders of at most
    /// <see cref="DrawsPerOrder"/> draws (a multiple of the sampler's batch, so rows are batched as in the reference).
    /// </summary>
    private async Task<List<long[]>> SampleComparisons(int iteration, SortedSet<string> silos, CancellationToken cancellation)
    {
        int draws = workload.ComparisonDraws(iteration).Count;
        long version = Learner.PolicyVersion;
        var clock = Stopwatch.StartNew();
        var slices = await Task.WhenAll(Enumerable.Range(0, Actors).Select(async actor =>
        {
            var (first, count) = ActorSlices.Of(draws, Actors, actor);
            var completions = new List<long[]>(count);
            for (int start = first; start < first + count; start += DrawsPerOrder)
                completions.AddRange(await SampleSome(actor, iteration, version, start, Math.Min(DrawsPerOrder, first + count - start), silos, cancellation));
            return completions;
        }));
        Learner.Stages.Add("sampling", clock.Elapsed.TotalSeconds);
        return slices.SelectMany(s => s).ToList();
    }

    // Bounded so one order stays well inside the grain call's response timeout on a slow machine.
    private const int DrawsPerOrder = 4 * CompletionSampler.BatchRows;

    private Task<long[][]> SampleSome(int actor, int iteration, long version, int first, int count, SortedSet<string> silos, CancellationToken cancellation) =>
        _repeat.Run($"text actor {actor}'s comparison samples {first}..{first + count - 1} of iteration {iteration}", async token =>
        {
            var report = await ActorGrain(actor).Sample(new TextSampleOrder(++_ticket, iteration, version, Context.Silo, first, count)).WaitAsync(token);
            var payload = Take(RlhfKeys.CompletionsOf(JobId, iteration, actor, report.Ticket), actor);
            silos.Add(report.Silo);
            return TextRolloutWire.DecodeCompletions(payload.Shape, payload.Data, count, workload.Training.Prompts.CompletionLength, workload.PolicyShape.VocabularySize);
        }, abandon: () => { }, cancellation);

    /// <summary>Each actor computes the gradient of its equal slice of the step's pairs; their mean is left in the reward model.</summary>
    private async Task<(double Loss, double Accuracy)> RewardModelStep(long round, int iteration, SortedSet<string> silos, CancellationToken cancellation)
    {
        var pairs = Learner.NextRewardPairs();
        var keys = Enumerable.Range(0, Actors).Select(a => TensorKey.GradientsOf(JobId, round, JobIds.Member(JobId, a))).ToList();
        var results = await _repeat.Run($"round {round} (reward model)", async token =>
        {
            var reports = await Task.WhenAll(Enumerable.Range(0, Actors).Select(actor =>
            {
                var slice = ActorSlices.Slice(pairs, Actors, actor);
                return ActorGrain(actor).RewardGradients(new RewardGradientOrder(round, _rewardModelVersion, iteration, Context.Silo,
                    slice.Select(p => p.Chosen).ToArray(), slice.Select(p => p.Rejected).ToArray()));
            })).WaitAsync(token);
            _gradients.AverageInto(Learner.RewardModel.parameters().ToList(), keys, $"round {round}");
            return reports;
        }, () => _gradients.Drop(keys), cancellation);
        foreach (var r in results) silos.Add(r.Silo);
        return (results.Average(r => r.Metrics["loss"]), results.Average(r => r.Metrics["accuracy"]));
    }

    /// <summary>Each actor samples and scores its slice of the update's prompts; the slices side by side, in actor order.</summary>
    private async Task<TextRollout> Rollout(SortedSet<string> silos, CancellationToken cancellation)
    {
        var prompts = Learner.NextPpoPrompts();
        long version = Learner.PolicyVersion;
        var (p, l) = (workload.Training.Prompts.Length, workload.Training.Prompts.CompletionLength);
        var slices = await Task.WhenAll(Enumerable.Range(0, Actors).Select(actor =>
        {
            var (first, count) = ActorSlices.Of(prompts.Length, Actors, actor);
            var order = prompts[first..(first + count)];
            return _repeat.Run($"text actor {actor}'s rollout for version {version}", async token =>
            {
                var report = await ActorGrain(actor).Rollout(new TextRolloutOrder(++_ticket, version, _rewardModelVersion, Context.Silo, order, first))
                    .WaitAsync(token);
                var payload = Take(RlhfKeys.RolloutOf(JobId, version, actor, report.Ticket), actor);
                var rollout = TextRolloutWire.Decode(payload.Shape, payload.Data, count, p, l, workload.PolicyShape.VocabularySize, workload.Prompts.Training.Count, version);
                if (!rollout.PromptIndices.SequenceEqual(order))
                    throw new InvalidOperationException($"text actor {actor}'s rollout continues prompts other than those it was ordered to");
                return (report.Silo, Rollout: rollout);
            }, abandon: () => { }, cancellation);
        }));
        foreach (var slice in slices) silos.Add(slice.Silo);
        return TextRollout.Concatenate(slices.Select(s => s.Rollout).ToList());
    }

    private TensorPayload Take(TensorKey key, int actor) =>
        Context.Exchange.TryTakeLocal(key, out var payload) && payload is not null ? payload
            : throw new InvalidOperationException($"text actor {actor} reported its order done but {key} is not in the store");

    private void PublishPolicy() => PublishVersion(RlhfKeys.PolicyOf(JobId, Learner.PolicyVersion), Learner.Policy.parameters());

    private void PublishRewardModel() => PublishVersion(RlhfKeys.RewardModelOf(JobId, _rewardModelVersion), Learner.RewardModel.parameters());

    // Each network's newest version stays in the store, and the one before it, for an order still reading it.
    private void PublishVersion(TensorKey key, IEnumerable<Parameter> parameters)
    {
        Publish(key, parameters);
        if (_published.TryGetValue(key.Sender + "/previous", out var old)) Context.Exchange.TryTakeLocal(old, out _);
        if (_published.TryGetValue(key.Sender, out var previous) && previous != key) _published[key.Sender + "/previous"] = previous;
        _published[key.Sender] = key;
    }

    private static void Add(Dictionary<string, double> into, IReadOnlyDictionary<string, double> figures)
    {
        foreach (var (name, value) in figures) into[name] = value;
    }

    private ITextRolloutActorGrain ActorGrain(int actor) => Context.Grains.GetGrain<ITextRolloutActorGrain>(JobIds.Member(JobId, actor));
}
