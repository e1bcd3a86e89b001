using System.Diagnostics;
using DistGen.Contracts.Gan;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Training.Core;
using DistGen.Training.DataParallel;
using DistGen.Training.Gan;
using Microsoft.Extensions.Logging;
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
public sealed class GanRun(JobRunContext context) : ICoordinatedRun
{
    private readonly SplitGanWorkload _workload = (SplitGanWorkload)context.Workload;
    private readonly RoundRepeat _repeat = new(context);
    private readonly Stopwatch _clock = new();
    private nn.Module<Tensor, Tensor>? _generator;
    private nn.Module<Tensor, Tensor>? _discriminator;
    private SplitGanLearner? _learner;
    private long _rows;

    private string JobId => context.JobId;
    private SplitGanLearner Learner => _learner ?? throw new InvalidOperationException("the run has not started");

    public async Task<long> StartAsync(bool resume)
    {
        long completed = await Task.Run(() =>
        {
            _generator = _workload.CreateGenerator();
            _discriminator = _workload.CreateDiscriminator();
            _generator.to(context.Run.Device);
            _discriminator.to(context.Run.Device);
            _learner = _workload.CreateLearner(_generator, _discriminator, context.Run);
            return resume ? _learner.Resume() : 0L;
        });
        // Tensors an earlier activation left in this silo's store are of no use to this run.
        if (resume) context.Exchange.ReleaseJob(JobId);
        PublishRoundStart(completed + 1);
        _clock.Start();
        return completed;
    }

    public async Task<RoundReport> RunRoundAsync(long round, CancellationToken cancellation)
    {
        var silos = new SortedSet<string>(StringComparer.Ordinal);
        double dLoss = double.NaN;
        for (int k = 0; k < _workload.DiscriminatorSteps; k++)
        {
            int substep = k;
            // Only the first substep may be cancelled: after it, D has changed and the round must finish.
            var results = await _repeat.Run($"round {round} discriminator substep {substep}",
                token => Substep(round, substep, (g, step) => g.DiscriminatorSubstep(step),
                    w => GanMembers.DiscriminatorGradients(JobId, round, substep, w), _discriminator!, "D's gradients", token),
                () => Drop(w => GanMembers.DiscriminatorGradients(JobId, round, substep, w)),
                substep == 0 ? cancellation : CancellationToken.None);
            await Task.Run(() => Learner.ApplyDiscriminator(round));
            Publish(GanMembers.DiscriminatorParameters(JobId, round, substep + 1), _discriminator!);
            dLoss = results.Average(r => r.Loss);
            silos.UnionWith(results.SelectMany(r => new[] { r.GeneratorSilo, r.DiscriminatorSilo }));
        }

        int generatorStep = _workload.DiscriminatorSteps;
        var generatorResults = await _repeat.Run($"round {round} generator step",
            token => Substep(round, generatorStep, (g, step) => g.GeneratorSubstep(step),
                w => GanMembers.GeneratorGradients(JobId, round, w), _generator!, "G's gradients", token),
            () => Drop(w => GanMembers.GeneratorGradients(JobId, round, w)),
            CancellationToken.None);
        var row = await Task.Run(() =>
        {
            Learner.ApplyGenerator(round);
            _rows += (long)_workload.DiscriminatorSteps * _workload.Workers * _workload.RowsPerWorker;
            return Learner.EndRound(round, dLoss, generatorResults.Average(r => r.Loss), _rows / _clock.Elapsed.TotalSeconds);
        });
        PublishRoundStart(round + 1);
        context.Exchange.Retire(JobId, round);
        silos.UnionWith(generatorResults.SelectMany(r => new[] { r.GeneratorSilo, r.DiscriminatorSilo }));
        return new RoundReport(row, silos.ToList());
    }

    public Task CheckpointAsync(long round) => Task.Run(() => Learner.SaveCheckpoint(round));

    public Task<TrainingSummary> FinishAsync(double wallSeconds) => Task.Run(() => Learner.Finish(wallSeconds));

    public async Task ReleaseWorkersAsync()
    {
        context.Exchange.ReleaseJob(JobId);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _workload.Workers).SelectMany(w => new[]
            {
                GanMembers.Generator(context.Grains, JobId, w).Release(),
                GanMembers.Discriminator(context.Grains, JobId, w).Release(),
            }));
        }
        catch (Exception e)
        {
            context.Logger.LogWarning(e, "job {Job}: could not release every GAN worker", JobId);
        }
    }

    public void Dispose()
    {
        _learner?.Dispose();
        _generator?.Dispose();
        _discriminator?.Dispose();
    }

    // Every generator worker runs the substep (each with its discriminator worker); then the mean of the gradients they
    // pushed, each checked, is left in the network's gradients.
    private async Task<GanSubstepResult[]> Substep(long round, int substep, Func<IGeneratorWorkerGrain, GanSubstep, Task<GanSubstepResult>> call,
        Func<int, TensorKey> gradientKey, nn.Module network, string what, CancellationToken token)
    {
        var step = new GanSubstep(round, substep, context.Silo);
        var results = await Task.WhenAll(Enumerable.Range(0, _workload.Workers)
            .Select(w => call(GanMembers.Generator(context.Grains, JobId, w), step))).WaitAsync(token);
        long count = ParameterVector.Count(network.parameters());
        var average = new GradientAverage((int)count);
        for (int w = 0; w < _workload.Workers; w++)
        {
            if (!context.Exchange.TryTakeLocal(gradientKey(w), out var gradient) || gradient is null)
                throw new InvalidOperationException($"worker {w} reported round {round} substep {substep} done but {gradientKey(w)} is not in the store");
            average.Add(TensorCheck.Incoming(gradient, [count], $"{what} of worker {w} (round {round}, substep {substep})").Data);
        }
        // A block copy into the gradients' memory, as the data-parallel round does on the grain's thread.
        ParameterVector.AssignGradients(network.parameters(), average.Mean());
        return results;
    }

    private void Drop(Func<int, TensorKey> gradientKey)
    {
        for (int w = 0; w < _workload.Workers; w++) context.Exchange.TryTakeLocal(gradientKey(w), out _);
    }

    // G of the round and D of its first substep; D's parameters then move substep by substep.
    private void PublishRoundStart(long round)
    {
        Publish(GanMembers.GeneratorParameters(JobId, round), _generator!);
        Publish(GanMembers.DiscriminatorParameters(JobId, round, 0), _discriminator!);
    }

    private void Publish(TensorKey key, nn.Module network) =>
        context.Exchange.PutLocal(key, new TensorPayload([ParameterVector.Count(network.parameters())], ParameterVector.Flatten(network.parameters())));
}
