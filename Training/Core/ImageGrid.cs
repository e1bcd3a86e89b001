using SkiaSharp;
using static TorchSharp.torch;

namespace DistGen.Training.Core;

/// <summary>Writes a batch of grey images as one PNG grid, for GAN and VAE samples.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Saves <paramref name="images"/> ([N, 1, H, W] or [N, H, W]) as a grid with <paramref name="columns"/> columns.
    /// Values are mapped from [low, high] to black..white and clamped.
    /// </summary>
    public static void Save(string path, Tensor images, int columns = 8, double low = 0, double high = 1, int scale = 2)
    {
        using var cpuImages = images.detach().cpu().to(ScalarType.Float32).contiguous();
        long n = cpuImages.shape[0];
        long h = cpuImages.shape[^2], w = cpuImages.shape[^1];
        var pixels = cpuImages.data<float>().ToArray();
        int rows = (int)((n + columns - 1) / columns);
        const int gap = 2;
        int width = columns * (int)(w * scale + gap) + gap, height = rows * (int)(h * scale + gap) + gap;
        using var bitmap = new SKBitmap(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(64, 64, 64));
        for (int i = 0; i < n; i++)
        {
            int x0 = gap + i % columns * (int)(w * scale + gap), y0 = gap + i / columns * (int)(h * scale + gap);
            for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double v = (pixels[i * h * w + y * w + x] - low) / (high - low);
                byte grey = (byte)Math.Round(255 * Math.Clamp(v, 0, 1));
                for (int dy = 0; dy < scale; dy++)
                for (int dx = 0; dx < scale; dx++)
                    bitmap.SetPixel(x0 + x * scale + dx, y0 + y * scale + dy, new SKColor(grey, grey, grey));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }
}
