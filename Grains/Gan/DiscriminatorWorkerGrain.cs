using DistGen.Contracts.Gan;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Grains.Runs;
using DistGen.Training.Core;
using DistGen.Training.Gan;
using static TorchSharp.torch;

namespace DistGen.Grains.Gan;

/// <summary>
/// Discriminator worker i: pulls D's parameters of the substep from the coordinator and generator worker i's fakes from
/// that worker's silo, checks them, and either pushes D's gradients (on its real rows and those fakes) to the
/// coordinator or pushes dL_G/dFake back to the generator worker's silo.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class DiscriminatorWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo) : Grain, IDiscriminatorWorkerGrain
{
    private SplitGanWorkload? _workload;
    private nn.Module<Tensor, Tensor>? _discriminator;
    private (long Round, int Substep) _loaded = (-1, -1);

    public async Task<GanSubstepResult> DiscriminatorGradients(GanSubstep step, SiloAddress fakesSilo)
    {
        var (jobId, index, workload) = await Job();
        var (loss, gradient) = await Compute(step, fakesSilo, (discriminator, fakes) =>
        {
            double l = workload.DiscriminatorGradients(discriminator, step.Round, step.Substep, index * workload.RowsPerWorker, fakes);
            var values = ParameterVector.FlattenGradients(discriminator.parameters());
            return (l, TensorCheck.Incoming(new TensorPayload([values.Length], values), [values.Length], $"D's gradients of discriminator worker {index}"));
        });
        await exchange.PushAsync(await peers.EndpointOf(step.CoordinatorSilo), GanMembers.DiscriminatorGradients(jobId, step.Round, step.Substep, index), gradient);
        return new GanSubstepResult(loss, "", silo.SiloAddress.ToString());
    }

    public async Task<GanSubstepResult> FakeGradients(GanSubstep step, SiloAddress fakesSilo)
    {
        var (jobId, index, workload) = await Job();
        var (loss, gradient) = await Compute(step, fakesSilo, (discriminator, fakes) =>
        {
            var (l, gradientWrtFakes) = workload.FakeGradients(discriminator, fakes);
            return (l, TensorCheck.Outgoing(gradientWrtFakes, $"dL_G/dFake of discriminator worker {index}"));
        });
        await exchange.PushAsync(await peers.EndpointOf(fakesSilo), GanMembers.FakeGradients(jobId, step.Round, index), gradient);
        return new GanSubstepResult(loss, "", silo.SiloAddress.ToString());
    }

    // Pulls and checks the fakes, loads D of the substep, then runs the math synchronously on a pool thread in one dispose scope.
    private async Task<(double Loss, TensorPayload Result)> Compute(GanSubstep step, SiloAddress fakesSilo,
        Func<nn.Module<Tensor, Tensor>, Tensor, (double, TensorPayload)> compute)
    {
        var (jobId, index, workload) = await Job();
        var fakes = await PullFakes(jobId, index, workload, step, fakesSilo);
        var discriminator = await Load(jobId, workload, step);
        return await Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            var onDevice = tensor(fakes.Data, fakes.Shape).to(discriminator.parameters().First().device);
            return compute(discriminator, onDevice);
        });
    }

    public Task Release()
    {
        _discriminator?.Dispose();
        (_discriminator, _workload, _loaded) = (null, null, (-1, -1));
        workloads.Release(GanMembers.ParseDiscriminator(this.GetPrimaryKeyString()).JobId);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private async Task<(string JobId, int Index, SplitGanWorkload Workload)> Job()
    {
        var (jobId, index) = GanMembers.ParseDiscriminator(this.GetPrimaryKeyString());
        _workload ??= workloads.Get(jobId, await GrainFactory.GetGrain<IJobCoordinatorGrain>(jobId).GetSpec()).WorkloadAs<SplitGanWorkload>();
        return (jobId, index, _workload);
    }

    private async Task<TensorPayload> PullFakes(string jobId, int index, SplitGanWorkload workload, GanSubstep step, SiloAddress fakesSilo)
    {
        var fakes = await exchange.PullAsync(await peers.EndpointOf(fakesSilo), GanMembers.Fakes(jobId, step.Round, step.Substep, index));
        return TensorCheck.Incoming(fakes, workload.FakesShape, $"fakes of generator worker {index} (round {step.Round}, substep {step.Substep})");
    }

    // D with the substep's parameters, pulled from the coordinator when they changed.
    private async Task<nn.Module<Tensor, Tensor>> Load(string jobId, SplitGanWorkload workload, GanSubstep step)
    {
        if (_loaded != (step.Round, step.Substep) || _discriminator is null)
        {
            var key = GanMembers.DiscriminatorParameters(jobId, step.Round, step.Substep);
            var parameters = await exchange.PullAsync(await peers.EndpointOf(step.CoordinatorSilo), key);
            _loaded = (-1, -1);
            await Task.Run(() =>
            {
                _discriminator ??= workload.CreateDiscriminator();
                TensorCheck.Incoming(parameters, [ParameterVector.Count(_discriminator.parameters())], $"D's parameters {key}");
                ParameterVector.Assign(_discriminator.parameters(), parameters.Data);
            });
            _loaded = (step.Round, step.Substep);
        }
        return _discriminator!;
    }
}
