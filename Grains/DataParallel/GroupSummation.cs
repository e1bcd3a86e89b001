using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Training.DataParallel;

namespace DistGen.Grains.DataParallel;

/// <summary>
/// The sum of a gradient group's gradients of a round (docs/architecture.md, "Gradient groups"), computed where it is
/// asked for: by the group's lead, or by the coordinator itself when every member ran on its silo (no grain call, nothing
/// to push). Both take the members' kept gradients in worker order and add them with <see cref="GradientGroups.Sum"/>,
/// so the result has the same bits wherever it is computed.
/// </summary>
public static class GroupSummation
{
    /// <summary>
    /// Takes the members' gradients from <paramref name="here"/>'s store, or pulls them from a member's silo through
    /// <paramref name="endpointOf"/> (null: every member must be here), checks each and returns their sum.
    /// </summary>
    /// <exception cref="InvalidOperationException">A member's gradient is not in the store where its worker said it is.</exception>
    /// <exception cref="RefusedTensorException">A gradient is not a vector of the group's length or not finite.</exception>
    public static async Task<float[]> SumAsync(ITensorExchange exchange, SiloAddress here, Func<SiloAddress, Task<string>>? endpointOf,
        string jobId, long round, IReadOnlyList<GroupMember> members, string what)
    {
        var parts = new List<ReadOnlyMemory<float>>(members.Count);
        foreach (var member in members)
        {
            var key = TensorKey.GradientsOf(jobId, round, JobIds.Member(jobId, member.Index));
            TensorPayload? gradient;
            if (member.Silo.Equals(here))
            {
                if (!exchange.TryTakeLocal(key, out gradient) || gradient is null)
                    throw new InvalidOperationException($"{what}: the gradient of worker {member.Index} is not in the store of silo {here}");
            }
            // A member placed on another silo than its lead (a GPU job, or more silos than groups): its gradient is fetched.
            else if (endpointOf is not null) gradient = await exchange.PullAsync(await endpointOf(member.Silo), key);
            else throw new InvalidOperationException($"{what}: worker {member.Index} kept its gradient on silo {member.Silo}, not on {here}");
            long[] shape = [parts.Count == 0 ? gradient.Data.Length : parts[0].Length];
            parts.Add(TensorCheck.Incoming(gradient, shape, $"the gradient of worker {member.Index} ({what})").Data);
        }
        return await Task.Run(() => GradientGroups.Sum(parts));
    }
}
