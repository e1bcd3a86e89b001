using DistGen.Grains.DataPlane;
using DistGen.Grains.Jobs;
using DistGen.Grains.Placement;
using DistGen.Training.Core;
using DistGen.Training.Specs;
using Microsoft.Extensions.Logging;

namespace DistGen.Grains.Runs;

/// <summary>
/// What a coordinated run gets from its coordinator: the job, its run folder and the cluster's services (the silos members
/// can be placed on among them, for elastic scale-up); <c>Say</c> sets
/// the message status shows (from any thread; stored with the next heartbeat), for work that no round count tells of;
/// <c>Faults</c> counts the attempts <see cref="RoundRepeat"/> repeats.
/// </summary>
public sealed record CoordinatedRunContext(
    string JobId,
    LoadedJob Job,
    IRoundWorkload Workload,
    RunContext Run,
    IGrainFactory Grains,
    ITensorExchange Exchange,
    SiloAddress Silo,
    RoundOptions Rounds,
    CoordinatorOptions Coordinator,
    ILogger Logger,
    IRunWaiting Waiting,
    Action<string> Say,
    IPlacementSilos PlacementSilos,
    RoundFaults? Faults = null);
