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
            var results = await Task.WhenAll(Enumerable.Range(0, workers)
                .Select(w => Worker(w).Step(step))).WaitAsync(token);
            await Task.WhenAll(Enumerable.Range(0, groups).Where(g => pushed[g].Workers > 1)
                .Select(g => Worker(g).SumGroup(new GroupSum(round, context.Silo, g, groups,
                    GradientGroups.MembersOf(g, workers, groups).Select(w => new GroupMember(w, HostOf(results[w], w))).ToList())))).WaitAsync(token);
            _gradients.AverageInto(model.parameters().ToList(), pushed, $"round {round}");
            return (IReadOnlyList<WorkerStepResult>)results;
        }, () => _gradients.Drop(pushed), cancellation);
    }

    private ITrainerWorkerGrain Worker(int index) => context.Grains.GetGrain<ITrainerWorkerGrain>(JobIds.Member(context.JobId, index));

    private static SiloAddress HostOf(WorkerStepResult result, int worker) =>
        result.Host ?? throw new InvalidOperationException($"worker {worker} did not say which silo holds its gradient");
}
