using DistGen.Contracts.Jobs;
using DistGen.Grains.Security;
using DistGen.Grains.Security.Tls;

namespace DistGen.Tests.Grains.Security;

/// <summary>
/// Roles on a TLS cluster, attacked with raw Orleans clients on the gateway (not our console): a viewer reads but cannot
/// submit or cancel, a client that does not sign its calls reaches nothing, and a viewer cannot pass an operator's
/// certificate off as its own. The console's side of the same is tested on real processes (tests/DistGen.Cluster.Tests).
/// </summary>
[Collection(TlsClusterCollection.Name)]
public sealed class ClientRoleTests(TlsCluster fixture)
{
    private const string Spec = """
        { "apiVersion": "distgen/v1", "name": "role-vae", "workload": "vae", "seed": 6,
          "data": { "name": "fashion-mnist" },
          "model": { "hiddenSize": 32, "latentSize": 4 },
          "training": { "steps": 8, "batchSize": 32, "trainLimit": 1000, "testLimit": 100, "logEvery": 4, "evalEvery": 8 },
          "cluster": { "workers": 2 } }
        """;

    private static IJobRegistryGrain Registry(ClusterClients client) => client.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key);

    [Fact]
    public async Task An_operator_submits_and_a_viewer_follows_but_cannot_submit_or_cancel()
    {
        var (operatorClient, operatorCertificates) = await fixture.ConnectAsync("operator");
        var (viewer, viewerCertificates) = await fixture.ConnectAsync("viewer");
        await using (operatorClient)
        await using (viewer)
        using (operatorCertificates)
        using (viewerCertificates)
        {
            var before = (await Registry(viewer).List()).Count;
            var submitted = await Registry(viewer).Submit(Spec).ContinueWith(t => t.Exception?.GetBaseException());
            var refused = Assert.IsType<UnauthorizedAccessException>(submitted);
            Assert.Contains("IJobRegistryGrain.Submit needs an operator certificate", refused.Message);
            Assert.Equal(before, (await Registry(viewer).List()).Count);

            // The operator's job runs to the end over the TLS data plane; the viewer follows it and fetches its files.
            var status = await JobRuns.SubmitAndWaitAsync(operatorClient.Grains, Spec);
            Assert.Equal(JobState.Succeeded, status.State);
            var coordinator = viewer.Grains.GetGrain<IJobCoordinatorGrain>(status.JobId);
            Assert.Equal(JobState.Succeeded, (await coordinator.GetStatus()).State);
            Assert.Contains(await coordinator.GetArtifacts(), a => a.FileName == "summary.json");
            Assert.Contains(await Registry(viewer).List(), j => j.JobId == status.JobId);

            var cancel = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => coordinator.Cancel());
            Assert.Contains("IJobCoordinatorGrain.Cancel needs an operator certificate", cancel.Message);
            // An operator may cancel (a finished job stays as it ended).
            await operatorClient.Grains.GetGrain<IJobCoordinatorGrain>(status.JobId).Cancel();
            Assert.Equal(JobState.Succeeded, (await coordinator.GetStatus()).State);
        }
    }

    [Fact]
    public async Task A_client_that_does_not_sign_its_calls_reaches_nothing_even_with_an_operator_certificate()
    {
        var (unsigned, certificates) = await fixture.ConnectAsync("operator", signCalls: false);
        await using (unsigned)
        using (certificates)
        {
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Registry(unsigned).List());
            Assert.Contains("carries no caller proof", refused.Message);
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Registry(unsigned).Submit(Spec));
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => unsigned.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true));
        }
    }

    [Fact]
    public async Task A_viewer_cannot_present_an_operators_certificate_with_its_own_signature()
    {
        using var operatorCertificates = TlsCluster.Load("operator");
        using var viewerCertificates = TlsCluster.Load("viewer");
        var forgery = new ForgedProofStamp(viewerCertificates, operatorCertificates);
        var (viewer, certificates) = await fixture.ConnectAsync("viewer", signCalls: false, stamp: forgery);
        await using (viewer)
        using (certificates)
        {
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Registry(viewer).Submit(Spec));
            Assert.Contains("signature does not match", refused.Message);
            Assert.True(forgery.Stamped > 0, "the forged proof was never sent");
        }
    }

    [Fact]
    public async Task The_silo_credential_still_opens_the_insides_only_to_silos()
    {
        // The TestingHost's own client holds the silo certificate and the cluster secret, as a silo does.
        var hosts = await fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Single(hosts);
        var (viewer, certificates) = await fixture.ConnectAsync("viewer");
        await using (viewer)
        using (certificates)
        {
            Assert.Single(await viewer.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true));
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => viewer.Grains.GetGrain<IJobCoordinatorGrain>("any").Start(Spec, DateTimeOffset.UtcNow));
            Assert.Contains("internal to the cluster's silos", refused.Message);
        }
    }

    // Signs with the viewer's key but names the operator's certificate: what a viewer holding a copy of the operator's
    // public certificate (it is not secret) could try.
    private sealed class ForgedProofStamp(ClusterCertificates signer, ClusterCertificates claimed) : IOutgoingGrainCallFilter
    {
        public int Stamped;

        public Task Invoke(IOutgoingGrainCallContext context)
        {
            var genuine = CallerProof.Create(signer.Own, context.TargetId, context.InterfaceName, context.MethodName, DateTimeOffset.UtcNow).Split('.');
            genuine[1] = Convert.ToBase64String(claimed.Own.RawData);
            RequestContext.Set(CallerProof.Key, string.Join('.', genuine));
            Interlocked.Increment(ref Stamped);
            return context.Invoke();
        }
    }
}
