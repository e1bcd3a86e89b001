using DistGen.Training.Core;
using DistGen.Training.Language;

namespace DistGen.Tests.Training.Language;

public sealed class TokenStreamAndScheduleTests
{
    [Fact]
    public void Corpus_stream_has_sorted_vocabulary_and_round_trips_text()
    {
        var stream = new CorpusTokenStream("hello world, hello again");

        Assert.Equal(" ,adeghilnorw", stream.Corpus.Vocabulary);
        Assert.Equal("gone", stream.Decode(stream.Encode("gone")));
        Assert.Equal(22, stream.Corpus.Train.Length);
        Assert.Equal(2, stream.Corpus.Validation.Length);
        Assert.Throws<ArgumentException>(() => stream.Encode("HELLO"));
    }

    [Fact]
    public void Sampled_windows_have_targets_shifted_by_one_token()
    {
        var stream = new CorpusTokenStream(string.Concat(Enumerable.Range(0, 40).Select(i => (char)('A' + i % 26))));

        var (inputs, targets) = stream.SampleWindows(validation: false, batch: 4, context: 5, new SplitMix64(1));

        Assert.Equal(new long[] { 4, 5 }, inputs.shape);
        var x = inputs.data<long>().ToArray();
        var y = targets.data<long>().ToArray();
        for (int i = 0; i < x.Length; i++) Assert.Equal((x[i] + 1) % 26, y[i]);
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var schedule = new WarmupCosineSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 111, cosineDecay: true, minimumRatio: 0.1);

        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(0.55e-3, schedule.At(60), 12); // half way: lr_min + ½ (peak - lr_min)
        Assert.Equal(1e-4, schedule.At(110), 12);
        Assert.Equal(1e-3, new WarmupCosineSchedule(1e-3, 0, 100, cosineDecay: false).At(50), 12);
    }
}
