using static TorchSharp.torch;

namespace DistGen.Training.Data;

/// <summary>
/// An in-memory set of 28x28 grey images with one class label each. Pixels are floats in [0, 1], image after image,
/// row-major; minibatches come out as float32 tensors of shape [B, 1, 28, 28] (or [B, 784] when flattened).
/// </summary>
public sealed class ImageDataset
{
    public const int Height = 28;
    public const int Width = 28;
    public const int PixelsPerImage = Height * Width;

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>All pixels, <see cref="Count"/> x 784, values in [0, 1].</summary>
    public float[] Pixels { get; }

    /// <summary>The class label of each image.</summary>
    public byte[] Labels { get; }

    public ImageDataset(float[] pixels, byte[] labels)
    {
        if (pixels.Length != (long)labels.Length * PixelsPerImage)
            throw new ArgumentException($"{pixels.Length} pixels do not make {labels.Length} images of {Height}x{Width}", nameof(pixels));
        Pixels = pixels;
        Labels = labels;
        Count = labels.Length;
    }

    /// <summary>Builds a data set from byte pixels (0..255), scaling them to [0, 1].</summary>
    public static ImageDataset FromBytes(ReadOnlySpan<byte> pixels, byte[] labels)
    {
        var scaled = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) scaled[i] = pixels[i] / 255f;
        return new ImageDataset(scaled, labels);
    }

    /// <summary>The pixels of one image.</summary>
    public ReadOnlySpan<float> Image(int index)
    {
        CheckIndex(index);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>The images at the given indices as float32 [B, 1, 28, 28], or [B, 784] when <paramref name="flatten"/> is set.</summary>
    public Tensor Batch(ReadOnlySpan<int> indices, bool flatten = false, Device? device = null)
    {
        var data = new float[indices.Length * PixelsPerImage];
        for (int b = 0; b < indices.Length; b++) Image(indices[b]).CopyTo(data.AsSpan(b * PixelsPerImage));
        long[] shape = flatten ? [indices.Length, PixelsPerImage] : [indices.Length, 1, Height, Width];
        return tensor(data, shape, ScalarType.Float32).PlaceOn(device);
    }

    /// <summary>The labels at the given indices as an int64 tensor [B].</summary>
    public Tensor LabelBatch(ReadOnlySpan<int> indices, Device? device = null)
    {
        var data = new long[indices.Length];
        for (int b = 0; b < indices.Length; b++)
        {
            CheckIndex(indices[b]);
            data[b] = Labels[indices[b]];
        }
        return tensor(data, [indices.Length], ScalarType.Int64).PlaceOn(device);
    }

    /// <summary>A new data set holding copies of the images at the given indices, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var pixels = new float[indices.Count * PixelsPerImage];
        var labels = new byte[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            Image(indices[k]).CopyTo(pixels.AsSpan(k * PixelsPerImage));
            labels[k] = Labels[indices[k]];
        }
        return new ImageDataset(pixels, labels);
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"image index must be in [0, {Count})");
    }
}
