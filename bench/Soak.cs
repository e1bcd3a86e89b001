using System.Text.Json.Nodes;
using DistGen.Contracts.Jobs;
using DistGen.Grains.Hosting;

namespace DistGen.Bench;

/// <summary>
/// Does a silo grow? A 1,000-round data-parallel job on two in-process silos, then 50 short jobs of every family in a
/// row. Every 100 rounds (and every 10 short jobs) it samples, after a full collection, the process's resident memory,
/// its native heap in use (where libtorch's tensors live), its managed heap, TorchSharp's count of live tensors, and each
/// silo's tensor store. Aim: under 5 % growth after the first 100 rounds, and every store empty once the jobs have ended.
/// </summary>
public static class Soak
{
    private const int LongRounds = 1000;
    private const int ShortJobs = 50;

    private static readonly (string Example, (string, string, JsonNode)[] Overrides)[] ShortSpecs =
    [
        ("vae-fashion-mnist.json", [("training", "steps", 20), ("training", "testLimit", 200), ("training", "evalEvery", 20), ("training", "logEvery", 10)]),
        ("char-lm-kjv.json", [("training", "steps", 10), ("training", "evalInterval", 10), ("training", "evalBatches", 1), ("training", "sampleCount", 1),
            ("training", "sampleLength", 20), ("model", "layers", 1), ("model", "modelDimension", 64)]),
        ("gan-ring.json", [("training", "steps", 50), ("training", "logEvery", 10), ("training", "evalEvery", 50)]),
        ("ppo-cartpole-async.json", [("training", "totalEnvSteps", 1024)]),
    ];

    private sealed record Sample(string At, double ResidentMiB, double NativeMiB, double NativeHeldMiB, double HeapMiB, double HeapCommittedMiB,
        double ResidentTrimmedMiB, long Tensors, IReadOnlyList<TensorStoreUsage> Stores)
    {
        public override string ToString() =>
            $"{At}: resident {ResidentMiB:F0} MiB ({ResidentTrimmedMiB:F0} after trim), native {NativeMiB:F1} MiB in use of {NativeHeldMiB:F1} held, " +
            $"managed {HeapMiB:F1} MiB of {HeapCommittedMiB:F1} committed, {Tensors} tensors, stores " +
            string.Join(" / ", Stores.Select(s => $"{s.Tensors} tensors {s.Bytes} B"));
    }

    public static async Task<IEnumerable<string>> RunAsync(string root)
    {
        await using var cluster = await InProcessCluster.StartAsync(2);
        var samples = new List<Sample>();
        var spec = BenchSpec.FromExample(root, "vae-fashion-mnist.json", 1,
            ("training", "steps", LongRounds), ("training", "testLimit", 1000), ("training", "evalEvery", 250), ("training", "logEvery", 50),
            ("cluster", "workers", 2), ("cluster", "checkpointEvery", 100), ("cluster", "threads", 1)).SourceJson;
        var submitted = await cluster.Grains.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key).Submit(spec);
        var coordinator = cluster.Grains.GetGrain<IJobCoordinatorGrain>(submitted.JobId!);
        for (long next = 100; next <= LongRounds;)
        {
            var status = await coordinator.GetStatus();
            if (status.IsFinished && status.State != JobState.Succeeded) throw new InvalidOperationException($"soak job {status.State}: {status.Message}");
            if (status.Round >= next || status.IsFinished)
            {
                samples.Add(await SampleAsync(cluster, $"round {status.Round}"));
                Console.Error.WriteLine($"  soak: {samples[^1]}");
                next = (status.Round / 100 + 1) * 100;
            }
            else await Task.Delay(100);
        }
        while (!(await coordinator.GetStatus()).IsFinished) await Task.Delay(100);

        for (int job = 1; job <= ShortJobs; job++)
        {
            var (example, overrides) = ShortSpecs[(job - 1) % ShortSpecs.Length];
            await cluster.RunAsync(BenchSpec.FromExample(root, example, job, [.. overrides, ("cluster", "workers", 2)]).SourceJson);
            if (job % 10 == 0)
            {
                samples.Add(await SampleAsync(cluster, $"after {job} short jobs"));
                Console.Error.WriteLine($"  soak: {samples[^1]}");
            }
        }
        return Report(samples);
    }

    // A full collection first: what is left is what the process holds, not garbage waiting for the collector.
    private static async Task<Sample> SampleAsync(InProcessCluster cluster, string at)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var silos = cluster.Silos;
        var resources = await cluster.Grains.GetGrain<ISiloGrain>(silos[0].ToParsableString()).GetResources();
        var stores = await Task.WhenAll(silos.Select(s => cluster.Grains.GetGrain<ISiloGrain>(s.ToParsableString()).GetStoreUsage()));
        // The silos run in this process, so the allocator's and the collector's own figures are read here directly.
        var held = NativeHeap.HeldBytes();
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        NativeHeap.ReturnFreePages();
        var trimmed = Environment.WorkingSet;
        return new Sample(at, resources.ResidentBytes / 1048576.0, resources.NativeHeapBytes / 1048576.0, held / 1048576.0,
            resources.ManagedHeapBytes / 1048576.0, committed / 1048576.0, trimmed / 1048576.0, resources.LiveTensors, stores);
    }

    private static IEnumerable<string> Report(List<Sample> samples)
    {
        var first = samples[0];
        var endOfLongJob = samples[Math.Min(samples.Count - 1, LongRounds / 100 - 1)];
        var afterFirstShortJobs = samples[Math.Min(samples.Count - 1, LongRounds / 100)];
        var last = samples[^1];
        static string Growth(double from, double to) => $"{(to - from) / from * 100:+0.0;-0.0;0.0} %";
        yield return $"Two silos in one process (the bench's InProcessCluster, data plane over loopback gRPC), 1 libtorch thread, " +
                     $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} collector with " +
                     $"System.GC.ConserveMemory {AppContext.GetData("System.GC.ConserveMemory") ?? "unset"} (every project's setting, Directory.Build.props; " +
                     "silos run the server collector, `distgen run` the workstation one), glibc capped at {NativeHeap.ProcessArenas} malloc arenas " +
                     "(NativeHeap.LimitArenas, as in every DistGen process). " +
                     $"Long job: VAE 784-400-20 on Fashion-MNIST, 2 workers (one per silo), batch 128, {LongRounds} rounds, checkpoint every 100. " +
                     $"Then {ShortJobs} short jobs cycling VAE, char-LM, GAN ring and async PPO, 2 workers each. " +
                     "Memory and tensors are the process's (both silos), sampled after a full collection; native heap is glibc's bytes in use " +
                     "(mallinfo2), where libtorch's CPU tensors live. TorchSharp's tensor count never drops the parameters of a model it built " +
                     "(its Parameter constructor moves the wrapped tensor's handle without decrementing the count), so across the short jobs it " +
                     "grows by the parameters of the models each job builds (coordinator and workers), not by tensors still alive.";
        yield return "Each sample also reads what glibc holds for the heap (in use or free, mallinfo2's arena + mmap'd bytes) and the " +
                     "collector's committed bytes, then asks glibc to give its free pages back (malloc_trim(0)) and reads resident memory " +
                     "again: the second resident figure is the process without the allocator's free pages. The next sample's first figure " +
                     "therefore shows what was retained over the 100 rounds (or 10 jobs) since.";
        yield return "";
        yield return "| when | resident MiB | resident after trim MiB | native heap in use / held MiB | managed heap / committed MiB | TorchSharp tensor count | store silo 1 (tensors / MiB) | store silo 2 (tensors / MiB) |";
        yield return "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
        foreach (var s in samples)
            yield return $"| {s.At} | {s.ResidentMiB:F0} | {s.ResidentTrimmedMiB:F0} | {s.NativeMiB:F1} / {s.NativeHeldMiB:F1} | {s.HeapMiB:F1} / {s.HeapCommittedMiB:F1} | {s.Tensors} | " +
                         string.Join(" | ", s.Stores.Select(u => $"{u.Tensors} / {u.Bytes / 1048576.0:F2}")) + " |";
        yield return "";
        yield return $"From round 100 to the end of the long job: resident {Growth(first.ResidentMiB, endOfLongJob.ResidentMiB)} " +
                     $"(after trim {Growth(first.ResidentTrimmedMiB, endOfLongJob.ResidentTrimmedMiB)}), " +
                     $"native heap {Growth(first.NativeMiB, endOfLongJob.NativeMiB)}, managed heap {Growth(first.HeapMiB, endOfLongJob.HeapMiB)}, " +
                     $"tensors {endOfLongJob.Tensors - first.Tensors:+0;-0;0}. " +
                     $"From round 100 to after the {ShortJobs} short jobs: resident {Growth(first.ResidentMiB, last.ResidentMiB)} " +
                     $"(after trim {Growth(first.ResidentTrimmedMiB, last.ResidentTrimmedMiB)}), " +
                     $"native heap {Growth(first.NativeMiB, last.NativeMiB)}, managed heap {Growth(first.HeapMiB, last.HeapMiB)}. " +
                     $"From after the first 10 short jobs (every family's code and data loaded) to after the {ShortJobs}: " +
                     $"resident {Growth(afterFirstShortJobs.ResidentMiB, last.ResidentMiB)} (after trim {Growth(afterFirstShortJobs.ResidentTrimmedMiB, last.ResidentTrimmedMiB)}), " +
                     $"native heap {Growth(afterFirstShortJobs.NativeMiB, last.NativeMiB)} in use and {Growth(afterFirstShortJobs.NativeHeldMiB, last.NativeHeldMiB)} held, " +
                     $"managed heap {Growth(afterFirstShortJobs.HeapMiB, last.HeapMiB)}. " +
                     $"Stores after the last job: {string.Join(", ", last.Stores.Select((u, i) => $"silo {i + 1} {u.Tensors} tensors, {u.Bytes} bytes"))}.";
    }
}
