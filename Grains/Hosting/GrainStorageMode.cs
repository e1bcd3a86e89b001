namespace DistGen.Grains.Hosting;

/// <summary>Where grain state of the <c>jobs</c> storage lives (setting <c>Cluster:Storage</c>).</summary>
public enum GrainStorageMode
{
    /// <summary>In the silo's memory: lost with the silo. The embedded mode's choice.</summary>
    Memory,

    /// <summary>In Redis (<c>Cluster:Redis</c>): survives a silo, so a job's coordinator can reactivate elsewhere.</summary>
    Redis,
}
