namespace DistGen.Training.Data;

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test images of clothing, 28x28 grey, 10 classes,
/// read from the original gzipped IDX files in the data cache folder <c>fashion-mnist</c>.
/// </summary>
public static class FashionMnist
{
    public const string DatasetName = "fashion-mnist";
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>The four files the cache folder holds.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>Class names by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the training (60,000) or test (10,000) split.</summary>
    public static ImageDataset Load(DataCache cache, bool train)
    {
        var images = cache.RequireFile(DatasetName, train ? TrainImagesFile : TestImagesFile);
        var labels = cache.RequireFile(DatasetName, train ? TrainLabelsFile : TestLabelsFile);
        return IdxFile.ReadDataset(images, labels);
    }
}
