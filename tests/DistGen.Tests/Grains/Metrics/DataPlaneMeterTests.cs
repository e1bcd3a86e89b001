using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DistGen.Grains.DataPlane;
using DistGen.Grains.Metrics;

namespace DistGen.Tests.Grains.Metrics;

public sealed class DataPlaneMeterTests
{
    [Theory]
    [InlineData("not_finite")]
    [InlineData("shape")]
    public void A_refused_tensor_is_counted_by_its_reason(string reason)
    {
        var seen = new ConcurrentBag<string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DataPlaneMeter.Name && instrument.Name == "distgen.refused.tensors") l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "reason" && value == 1) seen.Add(tag.Value as string);
        });
        listener.Start();

        float[] values = reason == "not_finite" ? [1f, float.NaN] : [1f, 2f, 3f];
        Assert.Throws<RefusedTensorException>(() => TensorCheck.Incoming(new TensorPayload([values.Length], values), [2], "a test tensor"));

        // Other tests in this process may refuse tensors at the same time: this one's reason is among what was counted.
        Assert.Contains(reason, seen);
    }
}
