using System.Text.Json;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Hosting;
using DistGen.Grains.Jobs;
using DistGen.Grains.Security.Tls;

namespace DistGen.Tests.Helm;

/// <summary>
/// The Helm chart, rendered offline with helm from npm and validated against the Kubernetes schemas
/// (kubernetes-models): the default values, the GPU values of helm/distgen/ci/gpu-values.yaml, and an external Redis.
/// </summary>
public sealed class HelmChartTests(HelmTools tools) : IClassFixture<HelmTools>
{
    private const string GpuValues = "helm/distgen/ci/gpu-values.yaml";
    private const string ExternalRedisValues = "helm/distgen/ci/external-redis-values.yaml";
    private const string MetricsValues = "helm/distgen/ci/metrics-values.yaml";

    private static readonly string[] AllValueFiles = ["", GpuValues, ExternalRedisValues, MetricsValues];

    public static TheoryData<string> ValueFiles => new(AllValueFiles);

    private static string[] With(string valueFile) => valueFile.Length == 0 ? [] : ["--values", valueFile];

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Chart_passes_helm_lint_strict(string valueFile)
    {
        var lint = await tools.RunHelmAsync(["lint", "--strict", HelmTools.Chart, .. With(valueFile)]);
        Assert.True(lint.ExitCode == 0, lint.Output + lint.Errors);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Every_rendered_manifest_is_a_valid_Kubernetes_object_and_the_cluster_is_complete(string valueFile)
    {
        var chart = await tools.RenderAsync(With(valueFile));
        // With an existing Secret the chart makes none.
        string[] kinds = valueFile == ExternalRedisValues
            ? ["StatefulSet", "ServiceAccount", "Role", "RoleBinding", "PodDisruptionBudget"]
            : ["StatefulSet", "Secret", "ServiceAccount", "Role", "RoleBinding", "PodDisruptionBudget", "PersistentVolumeClaim"];
        foreach (var kind in kinds) Assert.NotEmpty(chart.OfKind(kind));
        Assert.Equal(valueFile == MetricsValues ? 1 : 0, chart.OfKind("ServiceMonitor").Count());
        // Headless, gateway and dashboard Services for the silos, and one for the chart's own Redis.
        Assert.Equal(valueFile == ExternalRedisValues ? 3 : 4, chart.OfKind("Service").Count());
        Assert.Equal(valueFile == ExternalRedisValues ? 0 : 1, chart.OfKind("StatefulSet").Count(s => s.GetProperty("metadata").GetProperty("name").GetString()!.EndsWith("-redis")));
    }

    [Fact]
    public async Task Gpu_values_ask_every_silo_for_its_gpus_on_gpu_nodes_with_the_cuda_image()
    {
        var gpu = await tools.RenderAsync(With(GpuValues));
        Assert.Equal("4", RenderedChart.Path(gpu.SiloStatefulSet, "spec", "replicas"));
        Assert.Equal("2", RenderedChart.Path(gpu.SiloContainer, "resources", "limits", "nvidia.com/gpu"));
        Assert.StartsWith("distgen/silo-cuda:", gpu.SiloContainer.GetProperty("image").GetString());
        var pod = RenderedChart.PodSpec(gpu.SiloStatefulSet);
        Assert.Equal("true", RenderedChart.Path(pod, "nodeSelector", "nvidia.com/gpu.present"));
        Assert.Contains(pod.GetProperty("tolerations").EnumerateArray(), t => t.GetProperty("key").GetString() == "nvidia.com/gpu");
        // The user's own limits stay beside the GPUs.
        Assert.Equal("48Gi", RenderedChart.Path(gpu.SiloContainer, "resources", "limits", "memory"));

        var cpu = await tools.RenderAsync();
        Assert.False(cpu.SiloContainer.GetProperty("resources").GetProperty("limits").TryGetProperty("nvidia.com/gpu", out _));
        Assert.StartsWith("distgen/silo-cpu:", cpu.SiloContainer.GetProperty("image").GetString());
        Assert.False(RenderedChart.PodSpec(cpu.SiloStatefulSet).TryGetProperty("tolerations", out _));
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task The_cluster_secret_is_referenced_from_a_Secret_and_never_inlined(string valueFile)
    {
        var chart = await tools.RenderAsync(With(valueFile));
        var secretName = valueFile == ExternalRedisValues ? "distgen-secrets" : Assert.Single(chart.OpaqueSecrets).GetProperty("metadata").GetProperty("name").GetString();
        foreach (var container in chart.PodSpecs.SelectMany(RenderedChart.Containers))
        {
            foreach (var (name, env) in RenderedChart.Env(container).Where(e => e.Key is "DISTGEN__DataPlane__Secret" or "DISTGEN_SECRET" or "REDIS_PASSWORD"))
            {
                Assert.False(env.TryGetProperty("value", out _), $"{name} of {container.GetProperty("name")} is inlined");
                var reference = env.GetProperty("valueFrom").GetProperty("secretKeyRef");
                if (name != "REDIS_PASSWORD" || valueFile != ExternalRedisValues) Assert.Equal(secretName, reference.GetProperty("name").GetString());
            }
        }
        Assert.True(RenderedChart.Env(chart.SiloContainer).ContainsKey("DISTGEN__DataPlane__Secret"));
        if (valueFile == ExternalRedisValues)
        {
            Assert.Empty(chart.OfKind("Secret"));
            return;
        }
        // The generated values appear in the Secret and nowhere else.
        var secret = chart.SecretValues;
        Assert.True(secret["cluster-secret"].Length >= 32 && secret["redis-password"].Length >= 32);
        var others = string.Join("\n", chart.Manifests.Where(m => m.GetProperty("kind").GetString() != "Secret").Select(m => m.GetRawText()));
        Assert.DoesNotContain(secret["cluster-secret"], others);
        Assert.DoesNotContain(secret["redis-password"], others);
        // The dashboard's token: silos get only its SHA-256 (what 'printf %s TOKEN | sha256sum' prints).
        Assert.True(secret["http-token"].Length >= 32);
        Assert.DoesNotContain(secret["http-token"], others);
        Assert.Equal(DistGen.Grains.Security.Http.HttpToken.Sha256(secret["http-token"]), secret["http-token-sha256"]);
        Assert.Equal("http-token-sha256", RenderedChart.Env(chart.SiloContainer)["DISTGEN__Security__HttpTokenSha256"]
            .GetProperty("valueFrom").GetProperty("secretKeyRef").GetProperty("key").GetString());
    }

    [Fact]
    public async Task Silos_run_Orleans_Kubernetes_hosting_with_pod_identity_probes_and_a_long_enough_drain()
    {
        var chart = await tools.RenderAsync();
        var silo = chart.SiloContainer;
        var env = RenderedChart.Env(silo);
        Assert.Equal("metadata.name", RenderedChart.Path(env["POD_NAME"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.namespace", RenderedChart.Path(env["POD_NAMESPACE"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("status.podIP", RenderedChart.Path(env["POD_IP"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("Kubernetes", env["DISTGEN__Cluster__Clustering"].GetProperty("value").GetString());
        // JSON console logs for the cluster's log stack.
        Assert.Equal("json", env["DISTGEN__Logging__Console__FormatterName"].GetProperty("value").GetString());
        // Other silos pull tensors from the pod IP, not from the loopback default.
        Assert.Equal("https://$(POD_IP):5005", env["DISTGEN__DataPlane__AdvertisedEndpoint"].GetProperty("value").GetString());

        var labels = chart.SiloStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("labels");
        Assert.Equal("distgen", labels.GetProperty("orleans/serviceId").GetString());
        Assert.Equal("distgen", labels.GetProperty("orleans/clusterId").GetString());

        foreach (var (probe, path) in new[] { ("startupProbe", "/healthz/startup"), ("readinessProbe", "/healthz/ready"), ("livenessProbe", "/healthz/live") })
        {
            Assert.Equal(path, RenderedChart.Path(silo, probe, "httpGet", "path"));
            Assert.Equal("http", RenderedChart.Path(silo, probe, "httpGet", "port"));
            // With TLS on (the default) the HTTP port speaks HTTPS.
            Assert.Equal("HTTPS", RenderedChart.Path(silo, probe, "httpGet", "scheme"));
        }
        Assert.Contains(silo.GetProperty("ports").EnumerateArray(), p => p.GetProperty("name").GetString() == "http" && p.GetProperty("containerPort").GetInt32() == 8080);

        int grace = RenderedChart.PodSpec(chart.SiloStatefulSet).GetProperty("terminationGracePeriodSeconds").GetInt32();
        int drain = int.Parse(env["DISTGEN__Cluster__ShutdownTimeoutSeconds"].GetProperty("value").GetString()!);
        Assert.True(grace > drain && drain > new RoundOptions().Timeout.TotalSeconds, $"grace {grace} s, drain {drain} s");
    }

    [Fact]
    public async Task Every_DISTGEN_setting_the_chart_gives_a_silo_is_a_real_setting()
    {
        var sections = new Dictionary<string, Type>
        {
            [ClusterHostOptions.SectionName] = typeof(ClusterHostOptions),
            [DataPlaneOptions.SectionName] = typeof(DataPlaneOptions),
            ["Artifacts"] = typeof(JobArtifactsOptions),
            ["Rounds"] = typeof(RoundOptions),
            ["Coordinator"] = typeof(CoordinatorOptions),
            [SecurityOptions.SectionName] = typeof(SecurityOptions),
            [DistGen.Grains.Metrics.OtlpOptions.SectionName] = typeof(DistGen.Grains.Metrics.OtlpOptions),
        };
        foreach (var valueFile in AllValueFiles)
        {
            var chart = await tools.RenderAsync(With(valueFile));
            foreach (var name in RenderedChart.Env(chart.SiloContainer).Keys.Where(n => n.StartsWith("DISTGEN__", StringComparison.Ordinal)))
            {
                var parts = name["DISTGEN__".Length..].Split("__");
                if (parts[0] == "Logging") continue;
                Assert.True(sections.TryGetValue(parts[0], out var options), $"{name}: no section {parts[0]}");
                Assert.True(parts.Length == 2 && options.GetProperty(parts[1])?.CanWrite == true, $"{name}: {options.Name} has no setting {parts[^1]}");
            }
        }
    }

    [Fact]
    public async Task Orleans_Kubernetes_hosting_gets_a_service_account_allowed_to_watch_and_delete_silo_pods()
    {
        var chart = await tools.RenderAsync();
        var account = Assert.Single(chart.OfKind("ServiceAccount")).GetProperty("metadata").GetProperty("name").GetString();
        Assert.Equal(account, RenderedChart.PodSpec(chart.SiloStatefulSet).GetProperty("serviceAccountName").GetString());
        var rule = Assert.Single(Assert.Single(chart.OfKind("Role")).GetProperty("rules").EnumerateArray());
        Assert.Equal(["pods"], rule.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["delete", "get", "list", "patch", "watch"], rule.GetProperty("verbs").EnumerateArray().Select(v => v.GetString()!).Order());
        var binding = Assert.Single(chart.OfKind("RoleBinding"));
        Assert.Equal(Assert.Single(chart.OfKind("Role")).GetProperty("metadata").GetProperty("name").GetString(), RenderedChart.Path(binding, "roleRef", "name"));
        Assert.Equal(account, Assert.Single(binding.GetProperty("subjects").EnumerateArray()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_submit_job_runs_distgen_submit_on_the_spec_from_its_ConfigMap()
    {
        var chart = await tools.RenderAsync(With(GpuValues));
        var job = chart.Single("Job", "submit");
        var configMap = chart.Single("ConfigMap", "submit");
        var spec = JsonDocument.Parse(configMap.GetProperty("data").GetProperty("job.json").GetString()!).RootElement;
        Assert.Equal("distgen/v1", spec.GetProperty("apiVersion").GetString());
        Assert.Equal(1, spec.GetProperty("cluster").GetProperty("gpusPerWorker").GetInt32());
        var pod = RenderedChart.PodSpec(job);
        var container = Assert.Single(pod.GetProperty("containers").EnumerateArray());
        Assert.Equal(["submit", "/etc/distgen/job.json", "--watch"], container.GetProperty("args").EnumerateArray().Take(3).Select(a => a.GetString()));
        Assert.Equal(configMap.GetProperty("metadata").GetProperty("name").GetString(),
            RenderedChart.Path(Assert.Single(pod.GetProperty("volumes").EnumerateArray(), v => v.TryGetProperty("configMap", out _)), "configMap", "name"));
        Assert.StartsWith("distgen-gateway.train.svc:30000", RenderedChart.Env(container)["DISTGEN_GATEWAY"].GetProperty("value").GetString());
    }

    // Releases with different clusterIds on one Redis must not share jobs: the serviceId (what Redis keys the jobs by)
    // follows the clusterId unless set, on the silos' labels and settings and on the submit job's client alike.
    [Theory]
    [InlineData("cluster.clusterId=blue", "blue", "blue")]
    [InlineData("cluster.clusterId=blue,cluster.serviceId=training", "blue", "training")]
    public async Task The_service_id_follows_the_cluster_id_unless_set_on_silos_and_submit_job_alike(string values, string clusterId, string serviceId)
    {
        var chart = await tools.RenderAsync(["--values", GpuValues, "--set", values]);
        var labels = chart.SiloStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("labels");
        Assert.Equal((clusterId, serviceId), (labels.GetProperty("orleans/clusterId").GetString(), labels.GetProperty("orleans/serviceId").GetString()));
        // The silo's setting only when given: left to the clusterId, the silo can tell (and warns about former jobs).
        var silo = RenderedChart.Env(chart.SiloContainer);
        Assert.Equal(serviceId == clusterId ? null : serviceId, silo.TryGetValue("DISTGEN__Cluster__ServiceId", out var set) ? set.GetProperty("value").GetString() : null);
        var submit = RenderedChart.Env(Assert.Single(RenderedChart.PodSpec(chart.Single("Job", "submit")).GetProperty("containers").EnumerateArray()));
        Assert.Equal((clusterId, serviceId), (submit["DISTGEN_CLUSTER_ID"].GetProperty("value").GetString(), submit["DISTGEN_SERVICE_ID"].GetProperty("value").GetString()));
    }

    [Theory]
    [InlineData("--values", "helm/ci/invalid-values.yaml", "additional properties 'replica' not allowed")]
    [InlineData("--set", "silo.replicas=two", "/silo/replicas")]
    [InlineData("--set", "service.gateway.type=Ingress", "/service/gateway/type")]
    [InlineData("--set", "gpu.count=0", "/gpu/count")]
    [InlineData("--set", "cluster.clusterId=not a label", "/cluster/clusterId")]
    [InlineData("--set", "secret.clusterSecret=short", "/secret/clusterSecret")]
    [InlineData("--set", "silo.extraEnv.PATH=/tmp", "'PATH' does not match pattern")]
    public async Task Values_the_schema_does_not_allow_are_refused(string flag, string value, string complaint)
    {
        var run = await tools.RunHelmAsync("template", "distgen", HelmTools.Chart, flag, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("schema", run.Errors);
        Assert.Contains(complaint, run.Errors);
    }

    [Fact]
    public async Task A_grace_period_shorter_than_the_drain_is_refused()
    {
        var run = await tools.RunHelmAsync("template", "distgen", HelmTools.Chart, "--set", "silo.terminationGracePeriodSeconds=60");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("must exceed silo.shutdownTimeoutSeconds", run.Errors);
    }

    [Fact]
    public async Task Silos_and_the_submit_job_get_certificates_of_one_CA_that_our_tls_accepts()
    {
        var chart = await tools.RenderAsync(With(GpuValues));
        var secrets = chart.TlsSecrets;
        Assert.Equal(["distgen-operator-tls", "distgen-silo-tls"], secrets.Keys.Order());
        string Pem(string secret, string key) =>
            System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(secrets[secret].GetProperty("data").GetProperty(key).GetString()!));
        Assert.Equal(Pem("distgen-silo-tls", "ca.crt"), Pem("distgen-operator-tls", "ca.crt"));

        // Helm's genCA/genSignedCert certificates, read and checked as a silo and the console do.
        var folder = Directory.CreateTempSubdirectory("distgen-chart-certs-").FullName;
        try
        {
            foreach (var (secret, role) in new[] { ("distgen-silo-tls", "silo"), ("distgen-operator-tls", "operator") })
            foreach (var key in new[] { "ca.crt", "tls.crt", "tls.key" })
                File.WriteAllText(Path.Combine(folder, $"{role}-{key}"), Pem(secret, key));
            using var silo = ClusterCertificates.Load(Path.Combine(folder, "silo-tls.crt"), Path.Combine(folder, "silo-tls.key"), Path.Combine(folder, "silo-ca.crt"));
            using var client = ClusterCertificates.Load(Path.Combine(folder, "operator-tls.crt"), Path.Combine(folder, "operator-tls.key"), Path.Combine(folder, "operator-ca.crt"));
            Assert.Equal((CertificateRole.Silo, CertificateRole.Operator), (silo.Role, client.Role));
            Assert.True(silo.Admits(client.Own, TlsSide.Client, CertificateRoles.Any, out var problem), problem);
            Assert.True(client.Admits(silo.Own, TlsSide.Server, [CertificateRole.Silo], out problem), problem);
            Assert.False(silo.Admits(client.Own, TlsSide.Client, [CertificateRole.Silo], out _));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var env = RenderedChart.Env(chart.SiloContainer);
        Assert.Equal("/etc/distgen-tls/tls.crt", env["DISTGEN__Security__Certificate"].GetProperty("value").GetString());
        Assert.Equal("/etc/distgen-tls/ca.crt", env["DISTGEN__Security__Authority"].GetProperty("value").GetString());
        Assert.False(env.ContainsKey("DISTGEN__Security__AllowInsecure"));
        Assert.Contains(RenderedChart.PodSpec(chart.SiloStatefulSet).GetProperty("volumes").EnumerateArray(),
            v => v.TryGetProperty("secret", out var secret) && secret.GetProperty("secretName").GetString() == "distgen-silo-tls");
        var submit = Assert.Single(RenderedChart.PodSpec(chart.Single("Job", "submit")).GetProperty("containers").EnumerateArray());
        Assert.Equal("/etc/distgen-tls/tls.key", RenderedChart.Env(submit)["DISTGEN_KEY"].GetProperty("value").GetString());
        Assert.Contains(RenderedChart.PodSpec(chart.Single("Job", "submit")).GetProperty("volumes").EnumerateArray(),
            v => v.TryGetProperty("secret", out var secret) && secret.GetProperty("secretName").GetString() == "distgen-operator-tls");
    }

    [Fact]
    public async Task Tls_off_is_said_explicitly_to_the_silos_and_cert_manager_or_named_secrets_replace_the_generated_ones()
    {
        var plaintext = await tools.RenderAsync("--set", "tls.enabled=false");
        Assert.Empty(plaintext.TlsSecrets);
        var env = RenderedChart.Env(plaintext.SiloContainer);
        Assert.Equal("true", env["DISTGEN__Security__AllowInsecure"].GetProperty("value").GetString());
        Assert.Equal("http://$(POD_IP):5005", env["DISTGEN__DataPlane__AdvertisedEndpoint"].GetProperty("value").GetString());

        var named = await tools.RenderAsync(With(ExternalRedisValues));
        Assert.Empty(named.TlsSecrets);
        Assert.Contains(RenderedChart.PodSpec(named.SiloStatefulSet).GetProperty("volumes").EnumerateArray(),
            v => v.TryGetProperty("secret", out var secret) && secret.GetProperty("secretName").GetString() == "distgen-silo-tls");
        // The external Redis speaks TLS, checked against the CA of the named Secret.
        var namedEnv = RenderedChart.Env(named.SiloContainer);
        Assert.EndsWith(",password=$(REDIS_PASSWORD),ssl=true", namedEnv["DISTGEN__Cluster__Redis"].GetProperty("value").GetString());
        Assert.Equal("/etc/distgen-redis-ca/ca.crt", namedEnv["DISTGEN__Cluster__RedisAuthority"].GetProperty("value").GetString());
        Assert.Contains(RenderedChart.PodSpec(named.SiloStatefulSet).GetProperty("volumes").EnumerateArray(),
            v => v.TryGetProperty("secret", out var secret) && secret.GetProperty("secretName").GetString() == "shared-redis-ca");
        Assert.False(env.ContainsKey("DISTGEN__Cluster__RedisAuthority"));

        var certManager = await tools.TemplateAsync("--set", "tls.certManager.enabled=true", "--set", "tls.certManager.issuerRef.name=cluster-ca");
        Assert.Contains("kind: Certificate", certManager);
        Assert.Contains("organizationalUnits: [\"silo\"]", certManager);
        Assert.Contains("organizationalUnits: [\"operator\"]", certManager);
        Assert.DoesNotContain("type: kubernetes.io/tls", certManager);

        var half = await tools.RunHelmAsync("template", "distgen", HelmTools.Chart, "--set", "tls.existingSiloSecret=only-one");
        Assert.NotEqual(0, half.ExitCode);
        Assert.Contains("go together", half.Errors);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public async Task Every_pod_runs_as_non_root_on_a_read_only_root_without_capabilities_and_only_the_silo_holds_an_api_token(string valueFile)
    {
        var chart = await tools.RenderAsync(With(valueFile));
        Assert.NotEmpty(chart.PodSpecs);
        foreach (var pod in chart.PodSpecs)
        {
            var security = pod.GetProperty("securityContext");
            Assert.True(security.GetProperty("runAsNonRoot").GetBoolean());
            Assert.Equal("RuntimeDefault", RenderedChart.Path(security, "seccompProfile", "type"));
            Assert.False(pod.GetProperty("automountServiceAccountToken").GetBoolean());
            foreach (var container in RenderedChart.Containers(pod))
            {
                var name = container.GetProperty("name").GetString();
                var context = container.GetProperty("securityContext");
                Assert.True(context.GetProperty("readOnlyRootFilesystem").GetBoolean(), $"{name}: writable root filesystem");
                Assert.False(context.GetProperty("allowPrivilegeEscalation").GetBoolean(), $"{name}: privilege escalation");
                Assert.Equal(["ALL"], context.GetProperty("capabilities").GetProperty("drop").EnumerateArray().Select(c => c.GetString()));
                var mounts = container.TryGetProperty("volumeMounts", out var m) ? m.EnumerateArray().Select(v => v.GetProperty("mountPath").GetString()).ToList() : [];
                // The API token (pods: get, list, watch, patch, delete) is mounted where Orleans' Kubernetes hosting runs, only.
                Assert.Equal(name == "silo", mounts.Contains("/var/run/secrets/kubernetes.io/serviceaccount"));
            }
        }
        Assert.False(Assert.Single(chart.OfKind("ServiceAccount")).GetProperty("automountServiceAccountToken").GetBoolean());
    }

    [Fact]
    public async Task Network_policies_open_silo_ports_to_the_releases_silos_and_the_gateway_and_downloads_to_named_namespaces_only()
    {
        var chart = await tools.RenderAsync("--set", "networkPolicy.clientNamespaces[0]=ml-team");
        var silo = chart.OfKind("NetworkPolicy").Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "distgen-silo");
        var rules = silo.GetProperty("spec").GetProperty("ingress").EnumerateArray().Select(rule => (
            Ports: rule.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("port").GetString()).ToList(),
            From: rule.GetProperty("from").EnumerateArray().Select(f => f.GetRawText()).ToList())).ToList();
        var internalPorts = Assert.Single(rules, r => r.Ports.Contains("silo"));
        Assert.Equal(["silo", "gateway", "data-plane"], internalPorts.Ports);
        Assert.Contains("\"app.kubernetes.io/component\":\"silo\"", Assert.Single(internalPorts.From).Replace(" ", ""));
        // Clients download run folders from the data plane (distgen fetch): only from the named namespaces.
        var downloads = Assert.Single(rules, r => r.Ports.SequenceEqual(["data-plane"]));
        Assert.Contains("ml-team", Assert.Single(downloads.From));
        Assert.DoesNotContain(rules, r => r.Ports.Contains("data-plane") && r != internalPorts && r != downloads);
        var noClients = (await tools.RenderAsync()).OfKind("NetworkPolicy").Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "distgen-silo");
        Assert.Single(noClients.GetProperty("spec").GetProperty("ingress").EnumerateArray(),
            rule => rule.GetProperty("ports").EnumerateArray().Any(p => p.GetProperty("port").GetString() == "data-plane"));
        var gateway = Assert.Single(rules, r => r.Ports.SequenceEqual(["gateway"]));
        Assert.Contains(gateway.From, f => f.Contains("\"submit\""));
        Assert.Contains(gateway.From, f => f.Contains("ml-team"));

        var redis = chart.OfKind("NetworkPolicy").Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "distgen-redis");
        var redisRule = Assert.Single(redis.GetProperty("spec").GetProperty("ingress").EnumerateArray());
        Assert.Contains("silo", Assert.Single(redisRule.GetProperty("from").EnumerateArray()).GetRawText());

        var off = await tools.RenderAsync("--set", "networkPolicy.enabled=false");
        Assert.Empty(off.OfKind("NetworkPolicy"));
    }

    [Fact]
    public async Task Silo_pods_carry_prometheus_annotations_and_the_service_monitor_scrapes_the_http_port_with_the_token_and_the_ca()
    {
        var chart = await tools.RenderAsync(With(MetricsValues));
        var annotations = chart.SiloStatefulSet.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("annotations");
        Assert.Equal("true", annotations.GetProperty("prometheus.io/scrape").GetString());
        Assert.Equal("8080", annotations.GetProperty("prometheus.io/port").GetString());
        Assert.Equal("/metrics", annotations.GetProperty("prometheus.io/path").GetString());
        Assert.Equal("https", annotations.GetProperty("prometheus.io/scheme").GetString());

        var monitor = Assert.Single(chart.OfKind("ServiceMonitor"));
        Assert.Equal("prometheus", RenderedChart.Path(monitor, "metadata", "labels", "release"));
        // It selects the HTTP Service, and only it.
        var selected = monitor.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var services = chart.OfKind("Service").Where(s => selected.All(l =>
            s.GetProperty("metadata").GetProperty("labels").TryGetProperty(l.Key, out var v) && v.GetString() == l.Value)).ToList();
        Assert.Contains(Assert.Single(services).GetProperty("spec").GetProperty("ports").EnumerateArray(), p => p.GetProperty("name").GetString() == "http");
        var endpoint = Assert.Single(monitor.GetProperty("spec").GetProperty("endpoints").EnumerateArray());
        Assert.Equal("http", endpoint.GetProperty("port").GetString());
        Assert.Equal("/metrics", endpoint.GetProperty("path").GetString());
        Assert.Equal("10s", endpoint.GetProperty("interval").GetString());
        Assert.Equal("https", endpoint.GetProperty("scheme").GetString());
        // The token the HTTP port asks for, from the chart's Secret; the CA that signed the silo certificate.
        var secret = Assert.Single(chart.OpaqueSecrets).GetProperty("metadata").GetProperty("name").GetString();
        Assert.Equal(secret, RenderedChart.Path(endpoint, "authorization", "credentials", "name"));
        Assert.Equal("http-token", RenderedChart.Path(endpoint, "authorization", "credentials", "key"));
        var siloTls = RenderedChart.Path(endpoint, "tlsConfig", "ca", "secret", "name");
        Assert.Contains(siloTls, chart.TlsSecrets.Keys);
        Assert.Equal("ca.crt", RenderedChart.Path(endpoint, "tlsConfig", "ca", "secret", "key"));
        Assert.Equal("distgen-gateway.train.svc", RenderedChart.Path(endpoint, "tlsConfig", "serverName"));

        // The same metrics pushed to an OTLP collector, its headers from the Secret named.
        var env = RenderedChart.Env(chart.SiloContainer);
        Assert.Equal("http://otel-collector.monitoring:4318", env["DISTGEN__Otlp__Endpoint"].GetProperty("value").GetString());
        Assert.Equal("http/protobuf", env["DISTGEN__Otlp__Protocol"].GetProperty("value").GetString());
        Assert.Equal("00:00:30", env["DISTGEN__Otlp__ExportInterval"].GetProperty("value").GetString());
        Assert.Equal("otel-headers", RenderedChart.Path(env["DISTGEN__Otlp__Headers"], "valueFrom", "secretKeyRef", "name"));

        // Off by default.
        var plain = await tools.RenderAsync();
        Assert.Empty(plain.OfKind("ServiceMonitor"));
        Assert.DoesNotContain("DISTGEN__Otlp__Endpoint", RenderedChart.Env(plain.SiloContainer).Keys);
    }
}
