using DistGen.Client.Commands;
using DistGen.Contracts.Jobs;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Security;
using DistGen.Grains.Security.Tls;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

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
            await AssertViewerFetchesAsync(viewer.Grains, viewerCertificates, status.JobId);
            Assert.Contains(await Registry(viewer).List(), j => j.JobId == status.JobId);

            var cancel = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => coordinator.Cancel());
            Assert.Contains("IJobCoordinatorGrain.Cancel needs an operator certificate", cancel.Message);
            // Labels are an operator's to give: a viewer may read what a job asks (nothing, here) but not answer.
            Assert.Null(await coordinator.GetLabelWork());
            var label = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => coordinator.SubmitLabel(new LabelAnswerMessage("1-00000", [0, 1], false, false, "person")));
            Assert.Contains("IJobCoordinatorGrain.SubmitLabel needs an operator certificate", label.Message);
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

    [Fact]
    public async Task A_viewers_data_plane_connection_downloads_with_tickets_but_reaches_no_tensor_method_even_with_the_secret()
    {
        var (viewer, certificates) = await fixture.ConnectAsync("viewer");
        await using (viewer)
        using (certificates)
        {
            var endpoint = (await viewer.Grains.GetGrain<IJobCoordinatorGrain>("no-such-job").GetArtifacts()).DataPlaneEndpoint;
            Assert.StartsWith("https://", endpoint);
            var key = TensorKey.ParametersOf("no-such-job", 1);
            using var asViewer = TensorClient(certificates);
            var refused = await Assert.ThrowsAsync<RpcException>(() => asViewer.PullAsync(endpoint, key));
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            Assert.Contains("answer silos only", refused.Status.Detail);
            await Assert.ThrowsAsync<RpcException>(() => asViewer.PushAsync(endpoint, key, new TensorPayload([1], [1f])));
            // The control: a silo's connection with the same secret is let through, to find nothing under that key.
            using var siloCertificates = TlsCluster.Load("silo");
            using var asSilo = TensorClient(siloCertificates);
            Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() => asSilo.PullAsync(endpoint, key))).StatusCode);
        }
    }

    // The viewer fetches the job's files over the TLS data plane with its own certificate, byte for byte.
    private static async Task AssertViewerFetchesAsync(IGrainFactory viewer, ClusterCertificates certificates, string jobId)
    {
        var output = Directory.CreateTempSubdirectory("distgen-viewer-fetch-").FullName;
        try
        {
            var manifest = await ArtifactFiles.FetchAsync(viewer, jobId, output, dataPlane: null, certificates, CancellationToken.None);
            Assert.StartsWith("https://", manifest.DataPlaneEndpoint);
            Assert.Contains(manifest.Files, a => a.FileName == "summary.json");
            foreach (var artifact in manifest.Files)
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(TlsCluster.ArtifactsRoot, jobId, artifact.FileName)),
                    await File.ReadAllBytesAsync(Path.Combine(output, artifact.FileName)));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static TensorExchangeClient TensorClient(ClusterCertificates certificates) => new(
        Options.Create(new DataPlaneOptions { Secret = TlsCluster.Secret, MaxRetryAttempts = 0 }), new ClusterSecret(TlsCluster.Secret),
        NullLoggerFactory.Instance, new TransportSecurity(certificates, allowInsecure: false));

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
