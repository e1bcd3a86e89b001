using DistGen.Grains.DataPlane;
using DistGen.Training.Core;
using DistGen.Training.Specs;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Jobs;

/// <summary>What a coordinated run gets from its coordinator: the job, its run folder and the cluster's services.</summary>
public sealed record JobRunContext(
    string JobId,
    LoadedJob Job,
    IRoundWorkload Workload,
    RunContext Run,
    IGrainFactory Grains,
    ITensorExchange Exchange,
    SiloAddress Silo,
    RoundOptions Rounds,
    CoordinatorOptions Coordinator,
    ILogger Logger);
