using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using DistGen.Training.Core;

namespace DistGen.Training.Specs;

/// <summary>
/// A job spec, format <c>distgen/v1</c>: which workload on which data, its model and training options
/// (workload-specific, bound by <see cref="SpecLoader"/>) and how to spread it over the cluster.
/// </summary>
public sealed class JobSpec
{
    public const string CurrentApiVersion = "distgen/v1";

    /// <summary>Format version; must be "distgen/v1".</summary>
    [Required, AllowedValues(CurrentApiVersion)]
    public string ApiVersion { get; set; } = "";

    /// <summary>What a job's (or a sweep's) name may be, and the rule in words for the error.</summary>
    public const string NamePattern = "^[a-z0-9][a-z0-9-]{0,62}$";
    public const string NameRule = "must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit";

    /// <summary>Short job name: lower-case letters, digits and dashes; used in run folder names.</summary>
    [Required, RegularExpression(NamePattern, ErrorMessage = NameRule)]
    public string Name { get; set; } = "";

    /// <summary>What to train: gan, vae, char-lm, rlhf or ppo (the sections below list each one's fields).</summary>
    [Required]
    public string Workload { get; set; } = "";

    /// <summary>Seed of every random stream of the job (weights, data order, noise, environments).</summary>
    [Range(0L, long.MaxValue)]
    public long Seed { get; set; } = 1;

    /// <summary>The data set.</summary>
    [Required]
    public DataSection Data { get; set; } = new();

    /// <summary>Model options of the workload; defaults when absent.</summary>
    public JsonElement Model { get; set; }

    /// <summary>Training options of the workload; defaults when absent.</summary>
    public JsonElement Training { get; set; }

    /// <summary>Placement and compute options.</summary>
    public ClusterSection Cluster { get; set; } = new();
}

/// <summary>The <c>data</c> section of a spec.</summary>
public sealed class DataSection
{
    /// <summary>Data set name; each workload lists the ones it accepts.</summary>
    [Required]
    public string Name { get; set; } = "";
}

/// <summary>The <c>cluster</c> section of a spec.</summary>
public sealed class ClusterSection : IValidatableObject
{
    /// <summary>Workers per role: data-parallel trainers, generator + discriminator worker pairs of a GAN, or PPO rollout actors (the reference trainer ignores it, except PPO's, which splits its environments the same way).</summary>
    [Range(1, 256)]
    public int Workers { get; set; } = 1;

    /// <summary>Compute device: cpu, cuda, cuda:N or auto.</summary>
    [DeviceName]
    public string Device { get; set; } = "cpu";

    /// <summary>libtorch intra-op threads of a `distgen run` process; 0 lets DistGen choose (all cores for one trainer). Silos, which host many jobs, keep libtorch's own setting.</summary>
    [Range(0, 256)]
    public int Threads { get; set; }

    /// <summary>Write a checkpoint every this many steps or rounds; 0 writes one at the end only.</summary>
    [Range(0, 100_000_000)]
    public int CheckpointEvery { get; set; }

    /// <summary>Accelerators each worker holds on its silo; 0 = as the device implies (cuda: 1, cpu and auto: none). A job asking for more than the cluster has is refused.</summary>
    [Range(0, 8)]
    public int GpusPerWorker { get; set; }

    /// <summary>
    /// Data-parallel jobs (vae, char-lm): gradient groups G. Worker i is in group i mod G, and a group's gradients are summed on its silo, so one tensor per group reaches the coordinator. 0: one group per silo at submission, or one per worker on a one-silo cluster (written into the job's spec); equal to workers: every worker sends its own. The result depends on G, not on where workers run.
    /// </summary>
    [Range(0, 256)]
    public int GradientGroups { get; set; }

    /// <summary>Data-parallel jobs: when a silo joins the cluster, workers move so that they spread over every silo again (round-robin from a silo fixed by the job), from the next round on. The result is the same as without moving.</summary>
    public bool Elastic { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GradientGroups > Workers)
            yield return new ValidationResult($"{GradientGroups} gradient groups for {Workers} worker(s): a group needs a worker; use at most {Workers}, or 0 to choose one per silo", [nameof(GradientGroups)]);
        // A GPU worker is placed by the accelerator ledger, not spread by index, so it has no new silo to move to.
        if (Elastic && (GpusPerWorker > 0 || Device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase)))
            yield return new ValidationResult("elastic scale-up moves CPU workers only in this version (GPU workers stay where the accelerator ledger placed them); set elastic false or device cpu", [nameof(Elastic)]);
        // A worker that holds a GPU while it computes on the CPU would keep it from a job that can use it.
        if (GpusPerWorker > 0 && Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"{GpusPerWorker} with device cpu would hold GPUs it never uses; use device cuda or auto, or 0", [nameof(GpusPerWorker)]);
    }
}

/// <summary>Accepts the device names of <see cref="ComputeDevice"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DeviceNameAttribute : ValidationAttribute
{
    public override bool IsValid(object? value) => value is string s && ComputeDevice.IsWellFormed(s);

    public override string FormatErrorMessage(string name) => $"not a device name; allowed: {ComputeDevice.Allowed}";
}
