using DistGen.Bench;

// Regenerates bench/RESULTS.md: `dotnet run -c Release --project bench` (gan-quality alone took 39 minutes on 2 shared cores).
// `dotnet run -c Release --project bench -- SECTION...` prints only those sections (RESULTS.md is left alone);
// sections: reference, ppo, dataplane, dataplane-latency, tls, artifacts, cluster, gradient-groups, latency, gateway-latency, ppo-cluster, ppo-async-repeat, gan, gan-quality, rlhf, sweep, soak.
// The bench started again as the client process of the gateway latency section.
if (args is [GatewayLatency.ClientMode, var gatewayPort, var clusterId]) return await GatewayLatency.ClientAsync(int.Parse(gatewayPort), clusterId);
DistGen.Grains.Hosting.NativeHeap.LimitArenas(); // the in-process silos allocate as silo processes do
var root = BenchSpec.RepositoryRoot();
var sections = new (string Name, string Title, Func<Task<IEnumerable<string>>> Run)[]
{
    ("reference", "Reference trainers: throughput", () => Task.FromResult(ReferenceThroughput.Run(root))),
    ("ppo", "PPO reference: sample efficiency on CartPole-v1 (example spec, 100k env steps, 3 seeds)", () => Task.FromResult(PpoSampleEfficiency.Run(root))),
    ("dataplane", "Data plane: gRPC TensorExchange vs a raw loopback socket (one process, medians)", DataPlaneThroughput.RunAsync),
    ("dataplane-latency", "Data plane: small-tensor latency, a 64 KiB push + pull (one process, loopback)", DataPlaneLatency.RunAsync),
    ("tls", "Data plane: the cost of mutual TLS (h2c vs TLS endpoints, one process, loopback, medians)", DataPlaneTlsCost.RunAsync),
    ("artifacts", "Data plane: distgen fetch of a file above the grain-message limit (one process, loopback, medians)", ArtifactDownloadThroughput.RunAsync),
    ("cluster", "Step time: reference trainer vs embedded cluster at the same global batch", () => ClusterStepTime.RunAsync(root)),
    ("gradient-groups", "Gradient groups: the W sweep on 2 silos, every worker sending its gradient vs one group per silo", () => GradientGroupSweep.RunAsync(root)),
    ("latency", "Control plane: grain round trip", () => GrainLatency.RunAsync()),
    ("gateway-latency", "Control plane: grain round trip from a client process through a silo's gateway", GatewayLatency.RunAsync),
    ("ppo-cluster", "PPO on the cluster: rollout actors and one learner, reference vs sync vs async (CartPole-v1)", () => PpoClusterBench.RunAsync(root)),
    ("ppo-async-repeat", "PPO async example: 10 runs in a row as a user runs it (distgen run, a new process each)", () => PpoAsyncRepeat.RunAsync(root)),
    ("gan", "GAN split across actors: speed against the reference", () => GanBench.RunAsync(root)),
    ("gan-quality", "GAN split across actors: mode quality of the examples (3 seeds, example budget)", () => GanBench.QualityAsync(root)),
    ("rlhf", "RLHF on the cluster: generation throughput and stage times, 1 and 2 text actors on 1 and 2 silos vs the reference", () => RlhfBench.RunAsync(root)),
    ("sweep", "Sweep: the one-class example sweep on 1 and 2 silos (in-process cluster)", () => SweepBench.RunAsync(root)),
    ("soak", "Soak: a 1,000-round job and 50 short jobs on two silos (memory, tensors, tensor stores)", () => Soak.RunAsync(root)),
};
var chosen = args.Length == 0 ? sections : sections.Where(s => args.Contains(s.Name)).ToArray();
if (chosen.Length == 0)
{
    Console.Error.WriteLine($"unknown section; known: {string.Join(", ", sections.Select(s => s.Name))}");
    return 2;
}
var lines = new List<string>
{
    "# DistGen benchmarks",
    "",
    "Regenerate with `dotnet run -c Release --project bench` (needs the data sets: `distgen data get fashion-mnist`, `distgen data get kjv`).",
    "Speed figures are from one run on a shared machine; compare ratios measured in the same run, not across runs.",
    "",
    $"Machine: {Machine.Describe()}",
};
foreach (var (name, title, run) in chosen)
{
    Console.Error.WriteLine($"{name}...");
    lines.AddRange(["", $"## {title}", ""]);
    lines.AddRange((await run()).ToList());
}
Console.WriteLine(string.Join(Environment.NewLine, lines));
if (chosen.Length == sections.Length)
{
    var path = Path.Combine(root, "bench", "RESULTS.md");
    File.WriteAllLines(path, lines);
    Console.Error.WriteLine($"wrote {path}");
}
return 0;
