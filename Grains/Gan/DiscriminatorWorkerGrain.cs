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
public sealed class DiscriminatorWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<SplitGanWorkload>(workloads), IDiscriminatorWorkerGrain
{
    private readonly ParameterReplica<nn.Module<Tensor, Tensor>> _discriminator = new(exchange, peers, "D's parameters");

    protected override string Role => "discriminator";

    public async Task<GanSubstepResult> DiscriminatorGradients(GanSubstep step, SiloAddress fakesSilo)
    {
        await CountStepAsync();
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
        await CountStepAsync();
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

    protected override void Forget() => _discriminator.Dispose();

    private async Task<(string JobId, int Index, SplitGanWorkload Workload)> Job() => (JobId, Index, await WorkloadAsync());

    private async Task<TensorPayload> PullFakes(string jobId, int index, SplitGanWorkload workload, GanSubstep step, SiloAddress fakesSilo)
    {
        var fakes = await exchange.PullAsync(await peers.EndpointOf(fakesSilo), GanMembers.Fakes(jobId, step.Round, step.Substep, index));
        return TensorCheck.Incoming(fakes, workload.FakesShape, $"fakes of generator worker {index} (round {step.Round}, substep {step.Substep})");
    }

    // D with the substep's parameters, pulled from the coordinator when they changed.
    private async Task<nn.Module<Tensor, Tensor>> Load(string jobId, SplitGanWorkload workload, GanSubstep step) =>
        await _discriminator.LoadAsync(step.CoordinatorSilo, GanMembers.DiscriminatorParameters(jobId, step.Round, step.Substep, workload.DiscriminatorSteps), workload.CreateDiscriminator,
            (await DeviceAsync()).Device);
}
