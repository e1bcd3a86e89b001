using System.Diagnostics;
using DistGen.Contracts.Jobs;
using DistGen.Contracts.Rlhf;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Language;
using DistGen.Training.Rlhf;

namespace DistGen.Grains.Rlhf;

/// <summary>
/// An RLHF text rollout actor: replicas of the policy, the frozen reference and the reward model, and the iteration's
/// comparison sequences. Actor i is placed on silo (o + i) mod n (o fixed by the job), so a job's actors spread over the cluster (in a GPU
/// job, on a silo with a free accelerator, which it builds its replicas on). The work itself
/// is the workload's (<see cref="RlhfWorkload.SampleComparisons"/>, <see cref="RlhfWorkload.Rollout"/>) and the reward
/// model's (<see cref="RewardModelTraining.ComputeGradients"/>), the same code the reference trainer runs.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class TextRolloutActorGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<RlhfWorkload>(workloads), ITextRolloutActorGrain
{
    protected override string Role => "actor";

    private readonly ParameterReplica<PolicyWithValue> _policy = new(exchange, peers, "policy");
    private readonly ParameterReplica<CharTransformer> _reference = new(exchange, peers, "reference policy");
    private readonly ParameterReplica<RewardModel> _rewardModel = new(exchange, peers, "reward model");
    private (int Iteration, long[] Sequences)? _comparisons;

    public async Task<TextActorReport> Sample(TextSampleOrder order)
    {
        await CountStepAsync();
        var workload = await WorkloadAsync();
        var policy = await _policy.LoadAsync(order.CoordinatorSilo, RlhfKeys.PolicyOf(JobId, order.PolicyVersion), workload.CreatePolicy, (await DeviceAsync()).Device);
        var draws = workload.ComparisonDraws(order.Iteration);
        if (order.First < 0 || order.Count < 0 || order.First + order.Count > draws.Count)
            throw new ArgumentOutOfRangeException(nameof(order), $"draws {order.First}..{order.First + order.Count - 1} of iteration {order.Iteration}, which has {draws.Count}");
        var clock = Stopwatch.StartNew();
        // Synchronous on a pool thread: libtorch's dispose scopes and grad mode follow threads, not awaits.
        var (shape, data) = await Task.Run(() => TextRolloutWire.EncodeCompletions(
            workload.SampleComparisons(policy.Lm, draws.Skip(order.First).Take(order.Count).ToList()), workload.Training.Prompts.CompletionLength));
        double seconds = clock.Elapsed.TotalSeconds;
        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), RlhfKeys.CompletionsOf(JobId, order.Iteration, Index, order.Ticket),
            new TensorPayload(shape, data));
        return new TextActorReport(order.Ticket, order.Count, silo.SiloAddress.ToString(), seconds);
    }

    public async Task<WorkerStepResult> RewardGradients(RewardGradientOrder order)
    {
        await CountStepAsync();
        var workload = await WorkloadAsync();
        if (order.Chosen.Length != order.Rejected.Length || order.Chosen.Length == 0)
            throw new ArgumentException($"a reward-model order of {order.Chosen.Length} chosen and {order.Rejected.Length} rejected rows", nameof(order));
        var model = await _rewardModel.LoadAsync(order.CoordinatorSilo, RlhfKeys.RewardModelOf(JobId, order.RewardModelVersion), workload.CreateRewardModel, (await DeviceAsync()).Device);
        var sequences = await ComparisonsOf(order.CoordinatorSilo, order.Iteration, workload.SequenceLength);
        var clock = Stopwatch.StartNew();
        var (loss, accuracy, gradient) = await Task.Run(() =>
        {
            var pairs = order.Chosen.Zip(order.Rejected).ToArray();
            var (l, a) = RewardModelTraining.ComputeGradients(model, sequences, workload.SequenceLength, pairs);
            return (l, a, ParameterVector.FlattenGradients(model.parameters()));
        });
        double seconds = clock.Elapsed.TotalSeconds;
        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), TensorKey.GradientsOf(JobId, order.Round, this.GetPrimaryKeyString()),
            new TensorPayload([gradient.Length], gradient));
        return new WorkerStepResult(new Dictionary<string, double> { ["loss"] = loss, ["accuracy"] = accuracy }, silo.SiloAddress.ToString(), seconds);
    }

    public async Task<TextActorReport> Rollout(TextRolloutOrder order)
    {
        await CountStepAsync();
        var workload = await WorkloadAsync();
        if (order.Prompts.Length == 0 || order.Prompts.Any(p => p < 0 || p >= workload.Prompts.Training.Count))
            throw new ArgumentOutOfRangeException(nameof(order), $"a rollout order must name 1 or more of the {workload.Prompts.Training.Count} training prompts");
        var policy = await _policy.LoadAsync(order.CoordinatorSilo, RlhfKeys.PolicyOf(JobId, order.PolicyVersion), workload.CreatePolicy, (await DeviceAsync()).Device);
        var reference = await _reference.LoadAsync(order.CoordinatorSilo, RlhfKeys.ReferenceOf(JobId), workload.CreateLanguageModel, (await DeviceAsync()).Device);
        var rewardModel = await _rewardModel.LoadAsync(order.CoordinatorSilo, RlhfKeys.RewardModelOf(JobId, order.RewardModelVersion), workload.CreateRewardModel, (await DeviceAsync()).Device);
        var clock = Stopwatch.StartNew();
        var (shape, data) = await Task.Run(() => TextRolloutWire.Encode(
            workload.Rollout(policy, reference, rewardModel, workload.PpoDraws(order.PolicyVersion, order.Prompts, order.FirstRow), order.PolicyVersion)));
        double seconds = clock.Elapsed.TotalSeconds;
        await exchange.PushAsync(await peers.EndpointOf(order.CoordinatorSilo), RlhfKeys.RolloutOf(JobId, order.PolicyVersion, Index, order.Ticket),
            new TensorPayload(shape, data));
        return new TextActorReport(order.Ticket, order.Prompts.Length, silo.SiloAddress.ToString(), seconds);
    }

    /// <summary>The iteration's comparison sequences, pulled once per iteration and checked.</summary>
    private async Task<long[]> ComparisonsOf(SiloAddress coordinator, int iteration, int width)
    {
        if (_comparisons is { } held && held.Iteration == iteration) return held.Sequences;
        var key = RlhfKeys.ComparisonsOf(JobId, iteration);
        var payload = await exchange.PullAsync(await peers.EndpointOf(coordinator), key);
        if (payload.Shape.Length != 2 || payload.Shape[1] != width || payload.Data.Length != payload.Shape[0] * width)
            throw TensorCheck.Refuse("shape", $"comparison sequences {key} of shape [{string.Join(", ", payload.Shape)}]; this job's are [N, {width}]");
        var sequences = payload.Data.Select(v => (long)v).ToArray();
        _comparisons = (iteration, sequences);
        return sequences;
    }

    protected override void Forget()
    {
        _policy.Dispose();
        _reference.Dispose();
        _rewardModel.Dispose();
        _comparisons = null;
    }
}
