using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Runs;
using DistGen.Training.DataParallel;
using static TorchSharp.torch;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// One synchronous data-parallel round (docs/architecture.md, "A data-parallel round"): parameters of version v are in the coordinator's
/// store; every worker steps; each gradient group of two or more workers is summed by its lead on its silo
/// ("Gradient groups"); when one tensor per group is in, their mean over the workers is left in the model's gradients.
/// A round whose workers fail or miss the deadline is repeated with the same version (shards replay the same rows).
/// </summary>
public sealed class DataParallelRound(CoordinatedRunContext context)
{
    private readonly RoundRepeat _repeat = new(context);
    private readonly PushedGradients _gradients = new(context.Exchange);

    public async Task<IReadOnlyList<WorkerStepResult>> Run(long round, nn.Module model, int workers, int gradientGroups, CancellationToken cancellation)
    {
        int groups = GradientGroups.Effective(gradientGroups, workers);
        var step = new WorkerStep(round, round - 1, context.Silo, groups);
        var pushed = Enumerable.Range(0, groups).Select(g => GradientGroups.SizeOf(g, workers, groups) is var size && size == 1
                ? new PushedGradient(TensorKey.GradientsOf(context.JobId, round, JobIds.Member(context.JobId, g)), 1, $"worker {g}")
                : new PushedGradient(TensorKey.GroupGradientsOf(context.JobId, round, g), size, $"gradient group {g}"))
            .ToList();
        return await _repeat.Run($"round {round}", async token =>
        {
            var steps = Enumerable.Range(0, workers).Select(w => Worker(w).Step(step)).ToArray();
            // A group is summed as soon as its own members are done, while other groups still compute: by its lead, or
            // here when all its members ran on this silo (the same sum, without a grain call).
            var sums = Enumerable.Range(0, groups).Where(g => pushed[g].Workers > 1).Select(async g =>
            {
                var indices = GradientGroups.MembersOf(g, workers, groups).ToList();
                var done = await Task.WhenAll(indices.Select(w => steps[w]));
                var members = indices.Select((w, i) => new GroupMember(w, HostOf(done[i], w))).ToList();
                if (members.All(m => m.Silo.Equals(context.Silo)))
                    context.Exchange.PutLocal(pushed[g].Key, await SumHereAsync(round, g, members));
                else await Worker(g).SumGroup(new GroupSum(round, context.Silo, g, groups, members));
            });
            await Task.WhenAll(steps.Cast<Task>().Concat(sums)).WaitAsync(token);
            _gradients.AverageInto(model.parameters().ToList(), pushed, $"round {round}");
            return (IReadOnlyList<WorkerStepResult>)steps.Select(t => t.Result).ToList();
        }, () => _gradients.Drop(pushed), cancellation);
    }

    private async Task<TensorPayload> SumHereAsync(long round, int group, IReadOnlyList<GroupMember> members)
    {
        var sum = await GroupSummation.SumAsync(context.Exchange, context.Silo, null, context.JobId, round, members, $"gradient group {group} of round {round}");
        return new TensorPayload([sum.Length], sum);
    }

    private ITrainerWorkerGrain Worker(int index) => context.Grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(context.JobId, index));

    private static SiloAddress HostOf(WorkerStepResult result, int worker) =>
        result.Host ?? throw new InvalidOperationException($"worker {worker} did not say which silo holds its gradient");
}
