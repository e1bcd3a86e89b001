using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

/// <summary>
/// Checks the real data sets in the default cache, fetching each one first when it is missing (the registries are
/// reachable wherever the tests run). One class, so its tests never fetch the same data set concurrently.
/// </summary>
public sealed class RealDataTests
{
    private static async Task<DataCache> CacheWithAsync(string name)
    {
        var cache = DataCache.Default;
        await DatasetFetcher.FetchAsync(name, cache, TextWriter.Null);
        return cache;
    }

    [Fact]
    public async Task Fashion_mnist_has_60000_training_and_10000_test_images_of_ten_classes()
    {
        var cache = await CacheWithAsync(FashionMnist.DatasetName);

        var train = FashionMnist.Load(cache, train: true);
        var test = FashionMnist.Load(cache, train: false);

        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        Assert.All(train.Labels.CountBy(l => l), c => Assert.Equal(6_000, c.Value));
        Assert.All(test.Labels.CountBy(l => l), c => Assert.Equal(1_000, c.Value));
        Assert.Equal(1f, train.Pixels.Max());
        Assert.Equal(0f, train.Pixels.Min());
    }

    [Fact]
    public async Task Mnist_digits_are_10000_images_of_all_ten_digits()
    {
        var digits = MnistDigits.Load(await CacheWithAsync(MnistDigits.DatasetName));

        Assert.Equal(10_000, digits.Count);
        // The package's per-digit counts, stored grouped by digit.
        int[] perDigit = [1_001, 1_127, 991, 1_032, 980, 863, 1_014, 1_070, 944, 978];
        Assert.Equal(perDigit, Enumerable.Range(0, 10).Select(d => digits.Labels.Count(l => l == d)));
        Assert.Equal(digits.Labels.Order(), digits.Labels);
        // An average MNIST digit lights roughly 100-200 of its 784 pixels.
        double litPerImage = digits.Pixels.Count(p => p > 0.5f) / (double)digits.Count;
        Assert.InRange(litPerImage, 80, 220);
    }

    [Fact]
    public async Task King_james_bible_is_a_63_character_corpus_of_31102_verses()
    {
        var corpus = KingJamesBible.Load(await CacheWithAsync(KingJamesBible.DatasetName));

        Assert.Equal(63, corpus.VocabularySize);
        Assert.Equal('\n', corpus.Vocabulary[0]);
        Assert.InRange(corpus.Tokens.Length, 4_000_000, 4_300_000);
        Assert.Equal(31_102, corpus.Tokens.Count(t => t == 0));
        Assert.StartsWith("In the beginning God created the heaven and the earth.\n", corpus.Decode(corpus.Train[..60].Select(t => (long)t)));
        Assert.EndsWith("be with you all. Amen.\n", corpus.Decode(corpus.Validation[^30..].Select(t => (long)t)));
    }
}
