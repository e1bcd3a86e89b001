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
/// Generator worker i: pulls G's parameters of the round (once per round), puts its fakes in its silo's store and asks
/// its discriminator worker to use them; in the generator step it keeps the fakes' graph across that call and
/// backpropagates the returned dL_G/dFake. Compute runs synchronously on pool threads (dispose scopes and grad mode
/// follow threads); the graph itself is not tied to a thread.
/// </summary>
[AcceleratorAwarePlacement]
public sealed class GeneratorWorkerGrain(JobWorkloads workloads, ITensorExchange exchange, DataPlanePeers peers, ILocalSiloDetails silo)
    : JobMemberGrain<SplitGanWorkload>(workloads), IGeneratorWorkerGrain
{
    protected override string Role => "generator";

    private readonly ParameterReplica<nn.Module<Tensor, Tensor>> _generator = new(exchange, peers, "G's parameters");

    public async Task<GanSubstepResult> DiscriminatorSubstep(GanSubstep step)
    {
        await CountStepAsync();
        var (jobId, index, workload, generator) = await Prepare(step);
        var payload = await Task.Run(() =>
        {
            using var fakes = workload.Fakes(generator, step.Round, step.Substep, index * workload.RowsPerWorker, workload.RowsPerWorker);
            return TensorCheck.Outgoing(fakes, $"fakes of generator worker {index}");
        });
        var key = GanMembers.Fakes(jobId, step.Round, step.Substep, index);
        exchange.PutLocal(key, payload);
        try
        {
            var result = await GanMembers.Discriminator(GrainFactory, jobId, index).DiscriminatorGradients(step, silo.SiloAddress);
            return result with { GeneratorSilo = silo.SiloAddress.ToString() };
        }
        finally
        {
            exchange.TryTakeLocal(key, out _);
        }
    }

    public async Task<GanSubstepResult> GeneratorSubstep(GanSubstep step)
    {
        await CountStepAsync();
        var (jobId, index, workload, generator) = await Prepare(step);
        var fakesKey = GanMembers.Fakes(jobId, step.Round, step.Substep, index);
        Tensor? fakes = null;
        try
        {
            var payload = await Task.Run(() =>
            {
                using var scope = NewDisposeScope();
                generator.zero_grad();
                fakes = workload.FakesWithGraph(generator, step.Round, step.Substep, index * workload.RowsPerWorker, workload.RowsPerWorker)
                    .DetachFromDisposeScope();
                return TensorCheck.Outgoing(fakes, $"fakes of generator worker {index}");
            });
            exchange.PutLocal(fakesKey, payload);
            var result = await GanMembers.Discriminator(GrainFactory, jobId, index).FakeGradients(step, silo.SiloAddress);

            var gradientKey = GanMembers.FakeGradients(jobId, step.Round, index);
            if (!exchange.TryTakeLocal(gradientKey, out var received) || received is null)
                throw new InvalidOperationException($"discriminator worker {index} answered but dL_G/dFake {gradientKey} is not in this silo's store");
            TensorCheck.Incoming(received, workload.FakesShape, $"dL_G/dFake from discriminator worker {index}");
            var gradient = await Task.Run(() =>
            {
                using var scope = NewDisposeScope();
                var gradientWrtFakes = tensor(received.Data, received.Shape).to(fakes!.device);
                GanSteps.GeneratorBackward(fakes, gradientWrtFakes);
                return ParameterVector.FlattenGradients(generator.parameters());
            });
            var outgoing = TensorCheck.Incoming(new TensorPayload([gradient.Length], gradient), [gradient.Length], $"G's gradients of generator worker {index}");
            await exchange.PushAsync(await peers.EndpointOf(step.CoordinatorSilo), GanMembers.GeneratorGradients(jobId, step.Round, index), outgoing);
            return result with { GeneratorSilo = silo.SiloAddress.ToString() };
        }
        finally
        {
            fakes?.Dispose();
            exchange.TryTakeLocal(fakesKey, out _);
        }
    }

    protected override void Forget() => _generator.Dispose();

    // The job's workload and G with the round's parameters (pulled from the coordinator once per round).
    private async Task<(string JobId, int Index, SplitGanWorkload Workload, nn.Module<Tensor, Tensor> Generator)> Prepare(GanSubstep step)
    {
        var workload = await WorkloadAsync();
        var generator = await _generator.LoadAsync(step.CoordinatorSilo, GanMembers.GeneratorParameters(JobId, step.Round), workload.CreateGenerator, (await DeviceAsync()).Device);
        return (JobId, Index, workload, generator);
    }
}
