using DistGen.Contracts.Jobs;
using DistGen.Training.Core;

namespace DistGen.Grains.Jobs;

/// <summary>Reads a job's curves from its run folder's metrics.csv and thins them for the job pages.</summary>
public static class JobCurvesReader
{
    /// <summary>The curves in <paramref name="folder"/> (none yet: no columns), at most <paramref name="maxPoints"/> steps.</summary>
    public static JobCurves Read(string jobId, string? folder, int maxPoints)
    {
        var file = folder is null ? MetricsFile.Empty : MetricsFile.Read(Path.Combine(folder, "metrics.csv"));
        var kept = Keep(file, Math.Clamp(maxPoints, 2, JobCurves.MaxPoints));
        var values = new double[file.Columns.Length][];
        for (int c = 0; c < values.Length; c++) values[c] = kept.Select(i => file.Rows[i].Values[c]).ToArray();
        return new JobCurves(jobId, file.Columns, kept.Select(i => file.Rows[i].Step).ToArray(), values, file.Rows.Count);
    }

    /// <summary>
    /// The rows to draw: evenly spread over the run, plus (up to half the budget) the rows where a figure measured only
    /// now and then (a test loss every N rounds: NaN in most rows) was measured, so thinning never hides such a curve.
    /// </summary>
    public static int[] Keep(MetricsFile file, int maxPoints)
    {
        int count = file.Rows.Count;
        if (count <= maxPoints) return Enumerable.Range(0, count).ToArray();
        var sparse = Enumerable.Range(0, file.Columns.Length)
            .Where(c => file.Rows.Count(row => double.IsFinite(row.Values[c])) * 2 < count).ToArray();
        var measured = Enumerable.Range(0, count).Where(i => sparse.Any(c => double.IsFinite(file.Rows[i].Values[c]))).ToArray();
        var keptSparse = Thin(measured.Length, maxPoints / 2).Select(i => measured[i]).ToArray();
        var even = Thin(count, maxPoints - keptSparse.Length);
        return even.Concat(keptSparse).Distinct().Order().ToArray();
    }

    /// <summary>
    /// Which of <paramref name="count"/> rows to keep so that at most <paramref name="maxPoints"/> remain: evenly spread,
    /// always the first and the last, in order.
    /// </summary>
    public static int[] Thin(int count, int maxPoints)
    {
        if (count <= maxPoints) return Enumerable.Range(0, count).ToArray();
        if (maxPoints <= 0) return [];
        if (maxPoints == 1) return [count - 1];
        var kept = new int[maxPoints];
        for (int i = 0; i < maxPoints; i++) kept[i] = (int)((long)i * (count - 1) / (maxPoints - 1));
        return kept;
    }
}
