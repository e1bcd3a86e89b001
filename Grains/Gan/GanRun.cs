using DistGen.Contracts.Gan;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace DistGen.Grains.Gan;

/// <summary>
/// The coordinator's side of a split-GAN run (docs/architecture.md, "The GAN round"). Round r: for each discriminator substep s it
/// publishes D's parameters of (r, s); generator workers make fakes with G of round r, discriminator workers push D's
/// gradients; their mean steps D's Adam. Then the generator step: generator workers make fakes with their graph,
/// discriminator workers return dL_G/dFake, generator workers backpropagate it and push G's gradients; their mean steps
/// G's Adam. Every received gradient is checked (<see cref="TensorCheck"/>); a failed substep is repeated
/// (<see cref="RoundRepeat"/>). Cancellation is observed only before the round's first change to a network.
/// </summary>
public sealed class GanRun(CoordinatedRunContext context, SplitGanWorkload workload) : CoordinatedRun(context)
{
    private readonly RoundRepeat _repeat = new(context);
    private readonly PushedGradients _gradients = new(context.Exchange);
    private nn.Module<Tensor, Tensor>? _generator;
    private nn.Module<Tensor, Tensor>? _discriminator;
    private SplitGanLearner? _learner;
    private long _rows;

    private SplitGanLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    protected override void Build()
    {
        _generator = workload.CreateGenerator();
        _discriminator = workload.CreateDiscriminator();
        _generator.to(Context.Run.Device);
        _discriminator.to(Context.Run.Device);
        _learner = workload.CreateLearner(_generator, _discriminator, Context.Run);
    }

    protected override long Resume() => Learner.Resume();

    protected override void PublishStart(long completed)
    {
        Publish(GanMembers.GeneratorParameters(JobId, completed + 1), _generator!.parameters());
        Publish(GanMembers.DiscriminatorParameters(JobId, completed + 1, 0, workload.DiscriminatorSteps), _discriminator!.parameters());
    }

    public override async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var silos = new SortedSet<string>(StringComparer.Ordinal);
        double dLoss = double.NaN;
        for (int k = 0; k < workload.DiscriminatorSteps; k++)
        {
            int substep = k;
            // Only the first substep may be cancelled: after it, D has changed and the round must finish.
            var results = await Substep(round, substep, (g, step) => g.DiscriminatorSubstep(step),
                w => GanMembers.DiscriminatorGradients(JobId, round, substep, w), _discriminator!, $"round {round} discriminator substep {substep}",
                substep == 0 ? cancellation : CancellationToken.None);
            await Task.Run(() => Learner.ApplyDiscriminator(round));
            Publish(GanMembers.DiscriminatorParameters(JobId, round, substep + 1, workload.DiscriminatorSteps), _discriminator!.parameters());
            dLoss = results.Average(r => r.Loss);
            silos.UnionWith(results.SelectMany(r => new[] { r.GeneratorSilo, r.DiscriminatorSilo }));
        }

        var generatorResults = await Substep(round, workload.DiscriminatorSteps, (g, step) => g.GeneratorSubstep(step),
            w => GanMembers.GeneratorGradients(JobId, round, w), _generator!, $"round {round} generator step", CancellationToken.None);
        var row = await Task.Run(() =>
        {
            Learner.ApplyGenerator(round);
            _rows += (long)workload.DiscriminatorSteps * workload.Workers * workload.RowsPerWorker;
            return Learner.EndRound(round, dLoss, generatorResults.Average(r => r.Loss), _rows / Elapsed.TotalSeconds);
        });
        // D's parameters for the next round's first substep are the ones just published for this generator step.
        Publish(GanMembers.GeneratorParameters(JobId, round + 1), _generator!.parameters());
        Context.Exchange.Retire(JobId, round);
        silos.UnionWith(generatorResults.SelectMany(r => new[] { r.GeneratorSilo, r.DiscriminatorSilo }));
        return new RoundReport(row, silos.ToList());
    }

    protected override void SaveCheckpoint(long round) => Learner.SaveCheckpoint(round);

    protected override TrainingSummary Finish(double wallSeconds) => Learner.Finish(wallSeconds);

    protected override IEnumerable<IJobMemberGrain> Members() => Enumerable.Range(0, workload.Workers)
        .SelectMany(w => new IJobMemberGrain[] { GanMembers.Generator(Context.Grains, JobId, w), GanMembers.Discriminator(Context.Grains, JobId, w) });

    public override void Dispose()
    {
        _learner?.Dispose();
        _generator?.Dispose();
        _discriminator?.Dispose();
    }

    // Every generator worker runs the substep (each with its discriminator worker); then the mean of the gradients they
    // pushed is left in the network's gradients. A failed substep is repeated as a whole.
    private Task<GanSubstepResult[]> Substep(long round, int substep, Func<IGeneratorWorkerGrain, GanSubstep, Task<GanSubstepResult>> call,
        Func<int, TensorKey> gradientKey, nn.Module network, string what, CancellationToken cancellation)
    {
        var step = new GanSubstep(round, substep, Context.Silo);
        var keys = Enumerable.Range(0, workload.Workers).Select(gradientKey).ToList();
        return _repeat.Run(what, async token =>
        {
            var results = await Task.WhenAll(Enumerable.Range(0, workload.Workers)
                .Select(w => call(GanMembers.Generator(Context.Grains, JobId, w), step))).WaitAsync(token);
            _gradients.AverageInto(network.parameters().ToList(), keys, what);
            return results;
        }, () => _gradients.Drop(keys), cancellation);
    }
}
