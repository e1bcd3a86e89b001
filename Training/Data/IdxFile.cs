using System.Buffers.Binary;
using System.IO.Compression;

namespace DistGen.Training.Data;

/// <summary>
/// The IDX format of the MNIST family, gzipped: a big-endian header (magic 0x00000803 + count, rows, columns for
/// images; magic 0x00000801 + count for labels) followed by one unsigned byte per pixel or label.
/// Reading checks the gzip wrapper, the magic number, the header and the exact payload length, and names the file
/// in every error.
/// </summary>
public static class IdxFile
{
    /// <summary>Magic number of an unsigned-byte tensor with three dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte tensor with one dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads a gzipped IDX image file: the images row-major, one byte per pixel.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var bytes = Decompress(path);
        var dims = ReadHeader(bytes, path, ImagesMagic, dimensions: 3);
        var payload = CheckedPayload(bytes, path, dims);
        return (payload, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a gzipped IDX label file: one byte per item.</summary>
    public static byte[] ReadLabels(string path)
    {
        var bytes = Decompress(path);
        var dims = ReadHeader(bytes, path, LabelsMagic, dimensions: 1);
        return CheckedPayload(bytes, path, dims);
    }

    /// <summary>Reads a 28x28 image file and its label file and checks that they agree.</summary>
    public static ImageDataset ReadDataset(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, columns) = ReadImages(imagesPath);
        if (rows != ImageDataset.Height || columns != ImageDataset.Width)
            throw new InvalidDataException($"{imagesPath} holds {rows}x{columns} images; expected {ImageDataset.Height}x{ImageDataset.Width}");
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new InvalidDataException($"{labelsPath} has {labels.Length} labels but {imagesPath} has {count} images");
        return ImageDataset.FromBytes(pixels, labels);
    }

    /// <summary>Writes images (row-major bytes) as a gzipped IDX file.</summary>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns)
    {
        if ((long)count * rows * columns != pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixels do not make {count} images of {rows}x{columns}", nameof(pixels));
        Write(path, ImagesMagic, [count, rows, columns], pixels);
    }

    /// <summary>Writes labels as a gzipped IDX file.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels) => Write(path, LabelsMagic, [labels.Length], labels);

    private static void Write(string path, int magic, int[] dims, ReadOnlySpan<byte> payload)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        gzip.Write(word);
        foreach (var d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            gzip.Write(word);
        }
        gzip.Write(payload);
    }

    private static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        if (file.Length < 2 || file.ReadByte() != 0x1f || file.ReadByte() != 0x8b)
            throw new InvalidDataException($"{path} is not a gzip file (an IDX file of the MNIST family is expected gzipped); fetch the data set again");
        file.Position = 0;
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gzip.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is a corrupt gzip file ({e.Message}); fetch the data set again", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} is a truncated gzip file; fetch the data set again", e);
        }
    }

    private static int[] ReadHeader(byte[] bytes, string path, int expectedMagic, int dimensions)
    {
        int headerLength = 4 * (1 + dimensions);
        int magic = bytes.Length >= 4 ? BinaryPrimitives.ReadInt32BigEndian(bytes) : -1;
        if (magic != expectedMagic)
            throw new InvalidDataException($"{path} has IDX magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} ({Describe(expectedMagic)})");
        if (bytes.Length < headerLength)
            throw new InvalidDataException($"{path} is too short for an IDX header ({bytes.Length} bytes, need {headerLength})");
        var dims = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 * (1 + i)));
            if (dims[i] < 0) throw new InvalidDataException($"{path} has a negative IDX dimension {dims[i]}");
        }
        return dims;
    }

    private static byte[] CheckedPayload(byte[] bytes, string path, int[] dims)
    {
        int headerLength = 4 * (1 + dims.Length);
        long expected = dims.Aggregate(1L, (product, d) => product * d);
        long actual = bytes.Length - headerLength;
        if (actual != expected)
            throw new InvalidDataException(
                $"{path} holds {actual} data bytes after its IDX header, but the header ({string.Join(" x ", dims)}) promises {expected}; the file is {(actual < expected ? "truncated" : "corrupt")}");
        return bytes.AsSpan(headerLength).ToArray();
    }

    private static string Describe(int magic) => magic == ImagesMagic ? "unsigned-byte images" : "unsigned-byte labels";
}
