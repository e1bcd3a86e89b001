using System.Diagnostics;
using System.Globalization;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Rlhf;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Rlhf;
using Microsoft.Extensions.Logging;
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
    private readonly Dictionary<int, Task<(string Silo, TextRollout Rollout)>> _inFlight = [];
    private readonly RoundRepeat _repeat = new(context);
    private readonly PushedGradients _gradients = new(context.Exchange);
    private readonly Dictionary<string, TensorKey> _published = [];
    private RlhfLearner? _learner;
    private long _ticket;
    private long _rewardModelVersion;
    // The newest policy version in this silo's store: what an async order may name.
    private long _publishedPolicy;

    private RlhfLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    private int Actors => workload.Workers;

    protected override void Build()
    {
        // Pretraining happens before round 1, so status tells of it in its message (about every 1 % of its steps).
        bool pretraining = true;
        var progress = new RelayProgress(p =>
        {
            if (!pretraining) return;
            string loss = p.Metrics.TryGetValue("train_loss", out var value) ? string.Create(CultureInfo.InvariantCulture, $", train_loss {value:F3}") : "";
            Context.Say($"pretraining the policy: step {p.Step} of {workload.Training.Pretrain.Steps}{loss}");
        });
        _learner = workload.CreateLearner(Context.Run with { Progress = progress });
        _learner.Start(Actors);
        pretraining = false;
        if (workload.Training.From.Length == 0) Context.Say($"the policy is pretrained ({workload.Training.Pretrain.Steps} steps, in pretrain/)");
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
            var clock = Stopwatch.StartNew();
            var (loss, accuracy) = await RewardModelStep(round, at.Iteration, silos, cancellation);
            // The actors' part of the stage's wall time; the learner adds its own (the optimizer step).
            Learner.Stages.Add("reward_model", clock.Elapsed.TotalSeconds);
            // The step never observes cancellation, so the reward model is always that of a completed round.
            Add(metrics, await Task.Run(() => Learner.ApplyRewardStep(round, at, loss, accuracy)));
            _rewardModelVersion = round;
            PublishRewardModel();
            if (at.EndsRewardModel) Add(metrics, await Task.Run(Learner.EndRewardModel));
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var rollouts = workload.Training.Ppo.IsAsync ? await CollectAhead(at, silos, cancellation) : await Rollout(silos, cancellation);
            double seconds = clock.Elapsed.TotalSeconds;
            // The update never observes cancellation, so the policy is always that of a completed round.
            Add(metrics, await Task.Run(() => Learner.Update(round, at, rollouts, seconds)));
            for (int lag = 0; lag < Learner.LagHistogram.Count; lag++) metrics[$"policy_lag_{lag}_rollouts"] = Learner.LagHistogram[lag];
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

    /// <summary>Sync: each actor samples and scores its slice of the update's prompts with the current policy; the slices in actor order.</summary>
    private async Task<List<TextRollout>> Rollout(SortedSet<string> silos, CancellationToken cancellation)
    {
        var prompts = Learner.NextPpoPrompts();
        long version = Learner.PolicyVersion;
        var slices = await Task.WhenAll(Enumerable.Range(0, Actors).Select(actor =>
        {
            var (first, count) = ActorSlices.Of(prompts.Length, Actors, actor);
            return OrderRollout(actor, version, prompts[first..(first + count)], first, cancellation);
        }));
        foreach (var slice in slices) silos.Add(slice.Silo);
        return slices.Select(s => s.Rollout).ToList();
    }

    /// <summary>
    /// Async: every actor always has an order in flight, issued with the newest published policy and prompts drawn when it
    /// is issued; an update takes the first A rollouts at most ppo.maxPolicyLag versions old (older ones are dropped and
    /// counted) and re-orders each actor at once. The iteration's last update lets the orders in flight finish and drops
    /// them, so the next iteration's rollouts are all scored by its own reward model.
    /// </summary>
    private async Task<List<TextRollout>> CollectAhead(RlhfRound at, SortedSet<string> silos, CancellationToken cancellation)
    {
        for (int actor = 0; actor < Actors; actor++)
            if (!_inFlight.ContainsKey(actor)) _inFlight[actor] = OrderAhead(actor, cancellation);
        var accepted = new List<TextRollout>();
        while (accepted.Count < Actors)
        {
            var done = await Task.WhenAny(_inFlight.Values).WaitAsync(cancellation);
            int actor = _inFlight.First(o => o.Value == done).Key;
            _inFlight.Remove(actor);
            // An order that failed here has used up its repeats: the round, and the job, fail with its reason.
            var (silo, rollout) = await done;
            silos.Add(silo);
            if (Learner.Accepts(rollout.PolicyVersion)) accepted.Add(rollout);
            // The iteration's last update orders again only what the orders still in flight cannot fill (a rollout was dropped).
            if (!at.EndsIteration || accepted.Count + _inFlight.Count < Actors) _inFlight[actor] = OrderAhead(actor, cancellation);
        }
        if (at.EndsIteration) await SettleAsync();
        return accepted;
    }

    // Each order names the newest published policy; its rows (the completions' random streams) are unique to its ticket.
    private Task<(string Silo, TextRollout Rollout)> OrderAhead(int actor, CancellationToken cancellation)
    {
        int count = workload.Training.Ppo.Prompts / Actors;
        long ticket = ++_ticket;
        return OrderRollout(actor, _publishedPolicy, Learner.NextPpoPrompts(count), checked((int)(ticket * count)), cancellation);
    }

    private Task<(string Silo, TextRollout Rollout)> OrderRollout(int actor, long version, int[] prompts, int firstRow, CancellationToken cancellation)
    {
        var (p, l) = (workload.Training.Prompts.Length, workload.Training.Prompts.CompletionLength);
        long rewardModel = _rewardModelVersion;
        return _repeat.Run($"text actor {actor}'s rollout for version {version}", async token =>
        {
            var report = await ActorGrain(actor).Rollout(new TextRolloutOrder(++_ticket, version, rewardModel, Context.Silo, prompts, firstRow)).WaitAsync(token);
            var payload = Take(RlhfKeys.RolloutOf(JobId, version, actor, report.Ticket), actor);
            var rollout = TextRolloutWire.Decode(payload.Shape, payload.Data, prompts.Length, p, l, workload.PolicyShape.VocabularySize, workload.Prompts.Training.Count, version);
            if (!rollout.PromptIndices.SequenceEqual(prompts))
                throw new InvalidOperationException($"text actor {actor}'s rollout continues prompts other than those it was ordered to");
            return (report.Silo, rollout);
        }, abandon: () => { }, cancellation);
    }

    // Orders still in flight (async) push their rollouts here: let them land, and drop them, before the job's tensors go or the reward model changes.
    protected override async Task SettleAsync()
    {
        try
        {
            await Task.WhenAll(_inFlight.Values).WaitAsync(Context.Rounds.Timeout);
        }
        catch (Exception e)
        {
            Context.Logger.LogInformation("job {Job}: a rollout order in flight did not complete: {Error}", JobId, e.GetBaseException().Message);
        }
        _inFlight.Clear();
    }

    private TensorPayload Take(TensorKey key, int actor) =>
        Context.Exchange.TryTakeLocal(key, out var payload) && payload is not null ? payload
            : throw new InvalidOperationException($"text actor {actor} reported its order done but {key} is not in the store");

    // The policies an order may still name stay in the store: the newest, and as many before it as a rollout may lag, and one more.
    private void PublishPolicy()
    {
        long version = Learner.PolicyVersion;
        Publish(RlhfKeys.PolicyOf(JobId, version), Learner.Policy.parameters());
        _publishedPolicy = version;
        long gone = version - workload.Training.Ppo.AcceptedLag - 2;
        if (gone >= 0) Context.Exchange.TryTakeLocal(RlhfKeys.PolicyOf(JobId, gone), out _);
    }

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
