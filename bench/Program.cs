using DistGen.Bench;

// Regenerates bench/RESULTS.md: `dotnet run -c Release --project bench` (about 5 minutes on 2 cores).
// `dotnet run -c Release --project bench -- dataplane` prints only the data-plane table (RESULTS.md is left alone).
var root = BenchSpec.RepositoryRoot();
if (args.Contains("dataplane"))
{
    Console.WriteLine(string.Join(Environment.NewLine, await DataPlaneThroughput.RunAsync()));
    return;
}
var lines = new List<string>
{
    "# DistGen benchmarks",
    "",
    "Regenerate with `dotnet run -c Release --project bench` (needs the data sets: `distgen data get fashion-mnist`, `distgen data get kjv`).",
    "Speed figures are from one run on a shared machine; compare ratios measured in the same run, not across runs.",
    "",
    $"Machine: {Machine.Describe()}",
    "",
    "## Reference trainers: throughput",
    "",
};
Console.Error.WriteLine("reference trainer throughput...");
lines.AddRange(ReferenceThroughput.Run(root));
lines.AddRange(["", "## PPO reference: sample efficiency on CartPole-v1 (example spec, 100k env steps, 3 seeds)", ""]);
Console.Error.WriteLine("PPO sample efficiency...");
lines.AddRange(PpoSampleEfficiency.Run(root));
lines.AddRange(["", "## Data plane: gRPC TensorExchange vs a raw loopback socket (one process, medians)", ""]);
Console.Error.WriteLine("data plane throughput...");
lines.AddRange(await DataPlaneThroughput.RunAsync());
var path = Path.Combine(root, "bench", "RESULTS.md");
File.WriteAllLines(path, lines);
Console.WriteLine(string.Join(Environment.NewLine, lines));
Console.Error.WriteLine($"wrote {path}");
