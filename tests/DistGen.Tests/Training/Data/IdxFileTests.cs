using System.IO.Compression;
using DistGen.Training.Data;

namespace DistGen.Tests.Training.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distgen-idx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Written byte by byte here (not with IdxFile.Write*), so the reader is checked against the format, not against itself.
    private string WriteGzip(string name, params byte[][] parts)
    {
        var path = Path.Combine(_folder, name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        foreach (var part in parts) gzip.Write(part);
        return path;
    }

    private static byte[] BigEndian(params int[] words) =>
        words.SelectMany(w => new[] { (byte)(w >> 24), (byte)(w >> 16), (byte)(w >> 8), (byte)w }).ToArray();

    private static byte[] TwoImagePixels() => Enumerable.Range(0, 2 * 784).Select(i => (byte)(i % 256)).ToArray();

    [Fact]
    public void Reads_a_tiny_gzipped_idx_image_file_and_label_file()
    {
        var images = WriteGzip("images.gz", BigEndian(0x803, 2, 28, 28), TwoImagePixels());
        var labels = WriteGzip("labels.gz", BigEndian(0x801, 2), [7, 3]);

        var (pixels, count, rows, columns) = IdxFile.ReadImages(images);
        Assert.Equal((2, 28, 28), (count, rows, columns));
        Assert.Equal(TwoImagePixels(), pixels);
        Assert.Equal([7, 3], IdxFile.ReadLabels(labels));

        var data = IdxFile.ReadDataset(images, labels);
        Assert.Equal(2, data.Count);
        Assert.Equal(1f, data.Pixels[255]);
        Assert.Equal(17f / 255f, data.Pixels[784 + 1]); // pixel 785 holds 785 mod 256
        Assert.Equal([7, 3], data.Labels);
    }

    [Fact]
    public void Written_files_read_back_identically()
    {
        var path = Path.Combine(_folder, "round.gz");
        IdxFile.WriteImages(path, TwoImagePixels(), 2, 28, 28);
        Assert.Equal(TwoImagePixels(), IdxFile.ReadImages(path).Pixels);
    }

    [Fact]
    public void Wrong_magic_number_is_reported_with_both_numbers()
    {
        var labelsAsImages = WriteGzip("labels.gz", BigEndian(0x801, 2), [7, 3]);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(labelsAsImages));
        Assert.Contains("0x00000801", error.Message);
        Assert.Contains("0x00000803", error.Message);
        Assert.Contains(labelsAsImages, error.Message);
    }

    [Fact]
    public void Truncated_payload_is_reported_as_truncated()
    {
        var images = WriteGzip("short.gz", BigEndian(0x803, 3, 28, 28), TwoImagePixels());
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(images));
        Assert.Contains("truncated", error.Message);
        Assert.Contains("1568", error.Message);
        Assert.Contains("2352", error.Message);
    }

    [Fact]
    public void File_that_is_not_gzip_is_reported()
    {
        var path = Path.Combine(_folder, "plain");
        File.WriteAllBytes(path, BigEndian(0x801, 2).Concat(new byte[] { 7, 3 }).ToArray());
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadLabels(path));
        Assert.Contains("not a gzip file", error.Message);
    }

    [Fact]
    public void Corrupt_gzip_stream_is_reported_with_the_path()
    {
        var images = WriteGzip("images.gz", BigEndian(0x803, 2, 28, 28), TwoImagePixels());
        var bytes = File.ReadAllBytes(images);
        for (int i = 12; i < bytes.Length - 8; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(images, bytes);

        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(images));
        Assert.Contains(images, error.Message);
        Assert.Contains("fetch the data set again", error.Message);
    }

    [Fact]
    public void Label_count_that_disagrees_with_the_image_count_is_reported()
    {
        var images = WriteGzip("images.gz", BigEndian(0x803, 2, 28, 28), TwoImagePixels());
        var labels = WriteGzip("labels.gz", BigEndian(0x801, 1), [7]);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadDataset(images, labels));
        Assert.Contains("1 labels", error.Message);
        Assert.Contains("2 images", error.Message);
    }
}
